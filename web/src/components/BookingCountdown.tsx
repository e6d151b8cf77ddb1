// The booking confirmation's live countdown. It raises the design's browser
// events from the timer: event 1 (warning) at expiry_warning_seconds before
// the end and event 2 (info) at zero, worded as the server words them (the
// config's messages; its own wording only from an older server). Each is
// claimed under the same key as the server's booking.expiring /
// booking.expired frame for that booking, so whichever comes first is the
// only one shown (in this tab, other tabs, or after a reload).

import { Clock } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { eventKey, sharedClaims, type ToastClaims } from '../lib/claims';
import { crossedEvents, formatRemaining, remainingMs, timerEventMessage, type TimerEvent } from '../lib/countdown';
import defaultNotify from '../notify';
import type { EventMessages } from '../types';

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
  },
): Promise<boolean> {
  const key = eventKey(event, o.bookingId, event === 'booking.expiring' ? o.endsAt : null);
  if (!(await o.claims.claim(key))) return false;
  const message = timerEventMessage(event, o.warningSeconds, o.messages);
  if (event === 'booking.expiring') o.notify.warning(message);
  else o.notify.info(message);
  return true;
}

export function BookingCountdown(props: BookingCountdownProps) {
  const now = props.now ?? Date.now;
  const [remaining, setRemaining] = useState(() => remainingMs(props.endsAt, now()));
  const prev = useRef<number | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;

  useEffect(() => {
    prev.current = null; // a new end (renewal) starts a new countdown
    const tick = () => {
      const p = propsRef.current;
      const r = remainingMs(p.endsAt, (p.now ?? Date.now)());
      setRemaining(r);
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
        });
        if (ev === 'booking.expired') p.onExpired?.();
      }
    };
    tick();
    const t = setInterval(tick, props.tickMs ?? 500);
    return () => clearInterval(t);
  }, [props.endsAt, props.bookingId, props.warningSeconds, props.tickMs]);

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
