// The "Reconnecting…" banner: after 2 s without a connection (a stopped
// server, a lost network) it says so, when the next attempt is due, and
// offers "Retry now". It goes away as soon as the socket is back.

import { RefreshCw, WifiOff } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useLive } from '../live';
import { clockTime } from '../lib/time';

/** BANNER_AFTER_MS is how long the connection may be down before the banner shows. */
export const BANNER_AFTER_MS = 2000;

/** useNow is the clock, ticking every `ms` while `on`. */
function useNow(on: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [on, ms]);
  return now;
}

export function ReconnectBanner() {
  const { connected, downSince, nextRetryAt, failedAttempts, retryNow } = useLive();
  const down = !connected && downSince !== null;
  const now = useNow(down, 500);
  if (!down || now - downSince < BANNER_AFTER_MS) return null;
  const inSeconds = nextRetryAt === null ? null : Math.max(0, Math.ceil((nextRetryAt - now) / 1000));
  return (
    <div className="banner banner--offline" role="alert" data-testid="reconnect-banner" data-next-retry={nextRetryAt ?? ''} data-failed-attempts={failedAttempts}>
      <WifiOff size={18} aria-hidden="true" />
      <span>
        <strong>Reconnecting…</strong>{' '}
        {inSeconds === null ? (
          <span data-testid="reconnect-when">Trying now.</span>
        ) : (
          <span data-testid="reconnect-when">
            Next try at {clockTime(new Date(nextRetryAt!).toISOString(), true)} (in {inSeconds} s).
          </span>
        )}{' '}
        What you see may be out of date.
      </span>
      <button type="button" className="btn btn--small" onClick={retryNow} data-testid="reconnect-now">
        <RefreshCw size={15} aria-hidden="true" /> Retry now
      </button>
    </div>
  );
}
