// The booking countdown's pure parts: what is left, how to show it, which of
// the design's browser-side events (1: expiry warning, 2: expired) a tick
// crosses, and how each is worded.

import type { EventMessages, TimerEvent } from '../types';

export type { TimerEvent } from '../types';

/** remainingMs is the time left until endsAt (never negative). */
export function remainingMs(endsAt: string | number | Date, now: number): number {
  const end = typeof endsAt === 'number' ? endsAt : new Date(endsAt).getTime();
  if (!Number.isFinite(end)) return 0;
  return Math.max(0, end - now);
}

/** formatRemaining shows ms as "m:ss", or "h:mm:ss" from one hour on (rounded up to the second). */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${ss}`;
  return `${m}:${ss}`;
}

/** humanDuration turns a number of seconds into "5 minutes", "58 seconds", "1 hour". */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (s >= 3600 && s % 3600 === 0) return plural(s / 3600, 'hour');
  if (s >= 60 && s % 60 === 0) return plural(s / 60, 'minute');
  if (s >= 60) return plural(Math.round(s / 60), 'minute');
  return plural(s, 'second');
}

/**
 * timerEventMessage is the text of a timer event's toast: the server's own
 * wording from GET /api/config/ (`messages`) when it sent one, else, from an
 * older server, the wording below.
 */
export function timerEventMessage(event: TimerEvent, warningSeconds: number, messages?: EventMessages): string {
  const served = messages?.[event];
  if (typeof served === 'string' && served.trim() !== '') return served;
  return event === 'booking.expiring' ? warningMessage(warningSeconds) : EXPIRED_MESSAGE;
}

/**
 * warningMessage is the fallback text for event 1 (a server without
 * `messages`), worded like the server's: the warning period in whole
 * minutes, rounded up, at least one.
 */
export function warningMessage(warningSeconds: number): string {
  const mins = Math.max(1, Math.ceil(warningSeconds / 60));
  return `Your booking will expire in ${mins} ${mins === 1 ? 'minute' : 'minutes'}!`;
}

/** EXPIRED_MESSAGE is the fallback text for event 2 (a server without `messages`). */
export const EXPIRED_MESSAGE = 'Your booking has expired. Slot released.';

/**
 * crossedEvents tells which timer events fire on a tick that moves the
 * remaining time from `prev` (null on the first tick) to `next`, with the
 * warning `warningMs` before the end.
 *
 * The warning fires once the remaining time is at or below the threshold
 * (ticks are not exact, so "=== 5 minutes" of the design would miss it) and
 * above zero; the expiry fires when it reaches zero. On the first tick both
 * can fire for a booking loaded late: the toast claims make sure nothing
 * already shown (by another tab, a reload, or the server's frame) shows again.
 */
export function crossedEvents(prev: number | null, next: number, warningMs: number): TimerEvent[] {
  const out: TimerEvent[] = [];
  const wasAbove = (threshold: number) => prev === null || prev > threshold;
  if (next > 0 && next <= warningMs && wasAbove(warningMs)) out.push('booking.expiring');
  if (next <= 0 && (prev === null || prev > 0)) out.push('booking.expired');
  return out;
}
