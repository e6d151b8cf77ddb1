// The booking confirmation's live countdown. It raises the design's browser
// events from the timer: event 1 (warning) at expiry_warning_seconds before
// the end and event 2 (info) at zero, worded as the server words them (the
// config's messages; its own wording only from an older server). Each is
// claimed under the same key as the server's booking.expiring /
// booking.expired frame for that booking, so whichever comes first is the
// only one shown (in this tab, other tabs, or after a reload).

import { Clock } from 'lucide-react';
import { useEffect, useEffectEvent, useRef, useState } from 'react';
import { eventKey, sharedClaims, type ToastClaims } from '../lib/claims';
import { crossedEvents, formatRemaining, remainingMs, timerEventMessage, type TimerEvent } from '../lib/countdown';
import defaultNotify from '../notify';
import type { EventMessages, Notification } from '../types';

/** TimerPresenter shows a timer event under its claim key (the app's toast router); true when shown here. */
export type TimerPresenter = (key: string, n: Notification) => Promise<boolean>;

export interface BookingCountdownProps {
  bookingId: number;
  userId: number;
  endsAt: string;
  warningSeconds: number;
  /** The server's wording of events 1 and 2 (GET /api/config/); absent from an older server. */
  messages?: EventMessages;
  /** Called once when the countdown reaches zero (e.g. to refetch the booking). */
  onExpired?: () => void;
  notify?: Pick<typeof defaultNotify, 'warning' | 'info'>;
  claims?: ToastClaims;
  /** Shows the events instead of claims + notify (the app's toast router). */
  present?: TimerPresenter;
  now?: () => number;
  tickMs?: number;
}

export async function fireTimerEvent(
  event: TimerEvent,
  o: {
    bookingId: number;
    endsAt: string;
    warningSeconds: number;
    messages?: EventMessages;
    claims: ToastClaims;
    notify: Pick<typeof defaultNotify, 'warning' | 'info'>;
    present?: TimerPresenter;
  },
): Promise<boolean> {
  const key = eventKey(event, o.bookingId, event === 'booking.expiring' ? o.endsAt : null);
  const message = timerEventMessage(event, o.warningSeconds, o.messages);
  if (o.present) {
    const n: Notification = {
      id: 0,
      type: event === 'booking.expiring' ? 'warning' : 'info',
      message,
      event,
      data: { booking_id: o.bookingId, ends_at: o.endsAt },
      created_at: new Date().toISOString(),
    };
    return o.present(key, n);
  }
  if (!(await o.claims.claim(key))) return false;
  if (event === 'booking.expiring') o.notify.warning(message);
  else o.notify.info(message);
  return true;
}

export function BookingCountdown(props: BookingCountdownProps) {
  const now = props.now ?? Date.now;
  // The clock as of the last tick; the time left is derived from it, so a
  // new end shows at once, without an effect setting state.
  const [nowMs, setNowMs] = useState(() => now());
  const remaining = remainingMs(props.endsAt, nowMs);
  const prev = useRef<number | null>(null);

  // tick raises events 1 and 2 when the time left crosses their thresholds,
  // with the latest props (a new messages object or onExpired does not
  // restart the countdown; a new end does, below), and returns the time.
  const tick = useEffectEvent((): number => {
    const p = props;
    const at = now();
    const r = remainingMs(p.endsAt, at);
    const events = crossedEvents(prev.current, r, p.warningSeconds * 1000);
    prev.current = r;
    for (const ev of events) {
      void fireTimerEvent(ev, {
        bookingId: p.bookingId,
        endsAt: p.endsAt,
        warningSeconds: p.warningSeconds,
        messages: p.messages,
        claims: p.claims ?? sharedClaims(p.userId),
        notify: p.notify ?? defaultNotify,
        present: p.present,
      });
      if (ev === 'booking.expired') p.onExpired?.();
    }
    return at;
  });

  const { endsAt, bookingId, warningSeconds, tickMs = 500 } = props;
  useEffect(() => {
    // A new end (a renewal), booking or warning starts a new countdown.
    prev.current = null;
    tick();
    const t = setInterval(() => setNowMs(tick()), tickMs);
    return () => clearInterval(t);
  }, [endsAt, bookingId, warningSeconds, tickMs]);

  const warn = remaining > 0 && remaining <= props.warningSeconds * 1000;
  const state = remaining <= 0 ? 'expired' : warn ? 'warning' : 'ok';
  return (
    <div className={`countdown countdown--${state}`} data-testid="countdown" data-state={state} data-remaining-ms={Math.round(remaining / 1000) * 1000}>
      <Clock size={18} aria-hidden="true" />
      <span className="countdown__time" aria-live="off" data-testid="countdown-time">
        {remaining <= 0 ? 'Time is up' : formatRemaining(remaining)}
      </span>
      <span className="muted small">{remaining <= 0 ? '' : 'left'}</span>
    </div>
  );
}
