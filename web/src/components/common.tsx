import { useCallback, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from '../api';
import { useAuth } from '../auth';
import { formatMoney } from '../lib/money';
import { timeAgo } from '../lib/time';
import notify from '../notify';
import type { Assignment } from '../types';

/** queryError is a query's error as a sentence, or null. */
export function queryError(q: { error: unknown }): string | null {
  return q.error ? errorMessage(q.error) : null;
}

export function Section({
  title,
  actions,
  children,
  testId,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="card" data-testid={testId}>
      <div className="card__head">
        <h2>{title}</h2>
        {actions && <div className="card__actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

const STATUS_LABEL: Record<string, string> = {
  ACTIVE: 'Active',
  EXPIRED: 'Expired',
  COMPLETED: 'Completed',
  CANCELLED_BY_USER: 'Cancelled',
  CANCELLED_BY_ADMIN: 'Cancelled by admin',
  PENDING: 'Pending',
  VERIFIED: 'Verified',
  FAILED: 'Failed',
  REQUESTED: 'Requested',
  IN_PROGRESS: 'In progress',
};

/** StatusBadge shows the status of a booking, a payment or a car wash. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`status status--${status.toLowerCase()}`} data-testid={testId} data-status={status}>
      {STATUS_LABEL[status] ?? status}
    </span>
  );
}

export function ErrorLine({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="error-line" role="alert">
      {error}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted empty">{children}</p>;
}

/** useBusy wraps an async action so its button can show it is working and not run twice. */
export function useBusy(): [boolean, <T>(fn: () => Promise<T>) => Promise<T | undefined>] {
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const run = useCallback(async <T,>(fn: () => Promise<T>) => {
    if (busyRef.current) return undefined;
    busyRef.current = true;
    setBusy(true);
    try {
      return await fn();
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  }, []);
  return [busy, run];
}

/** Money shows an amount in the server's currency. */
export function Money({ amount, testId }: { amount: number; testId?: string }) {
  const { config } = useAuth();
  return (
    <span className="money" data-testid={testId} data-amount={amount.toFixed(2)} data-currency={config.currency}>
      {formatMoney(amount, config.currency)}
    </span>
  );
}

/** BookingRef names a booking by its number; it opens the booking. */
export function BookingRef({ id }: { id: number }) {
  return (
    <a className="booking-ref" href={`#/booking/${id}`} data-testid="booking-ref" data-booking-id={id}>
      Booking #{id}
    </a>
  );
}

/** The rows of employee assignments, as the admin and the owner see them. */
export function AssignmentList({ items }: { items: Assignment[] | null | undefined }) {
  return (
    <ul className="rows">
      {items?.map((a) => (
        <li key={a.id} className="row" data-testid="assignment" data-employee={a.employee} data-lot-id={a.lot_id}>
          <strong>{a.employee}</strong>
          <span>{a.lot_name}</span>
          <span className="muted small">{timeAgo(a.created_at)}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * useAct runs a page's action once at a time: on success it toasts `ok` (the
 * REST answer is the confirmation, in this tab only), on failure the error.
 * Nothing is refetched here: the socket's `changed` frame does that for
 * every screen, this one included.
 */
export function useAct(): [boolean, <T>(fn: () => Promise<T>, ok: string | ((r: T) => string), after?: (r: T) => void) => void] {
  const [busy, run] = useBusy();
  const act = useCallback(
    <T,>(fn: () => Promise<T>, ok: string | ((r: T) => string), after?: (r: T) => void) =>
      void run(async () => {
        try {
          const r = await fn();
          after?.(r);
          notify.success(typeof ok === 'function' ? ok(r) : ok);
        } catch (e) {
          notify.error(errorMessage(e));
        }
      }),
    [run],
  );
  return [busy, act];
}
