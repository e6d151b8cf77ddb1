import { RefreshCw } from 'lucide-react';
import { useCallback, useEffect, useEffectEvent, useRef, useState, type DependencyList, type ReactNode } from 'react';
import { errorMessage } from '../api';
import { useLatest } from '../hooks/useLatest';
import { timeAgo } from '../lib/time';
import type { Assignment } from '../types';

export interface Resource<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * useResource loads data with `loader` when the component mounts and whenever
 * `deps` change (as useEffect's), and again on reload(); stale answers are
 * dropped. `loading` is true until the first answer and during a reload();
 * after a change of deps the previous data stays until the new arrives. ESLint
 * checks each call's deps against its loader (exhaustive-deps' additionalHooks).
 */
export function useResource<T>(loader: () => Promise<T>, deps: DependencyList): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const latestLoader = useLatest(loader);

  // fetchInto loads and keeps the answer if no later load started meanwhile.
  const fetchInto = useCallback(
    async (mine: number) => {
      try {
        const d = await latestLoader.current();
        if (mine === seq.current) {
          setData(d);
          setError(null);
        }
      } catch (e) {
        if (mine === seq.current) setError(errorMessage(e));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [latestLoader],
  );

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    await fetchInto(mine);
  }, [fetchInto]);

  useEffect(
    () => {
      void fetchInto(++seq.current);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps, checked at each call (see above)
    deps,
  );

  return { data, error, loading, reload };
}

/** usePolling calls fn every `ms` while the tab is visible. */
export function usePolling(fn: () => void, ms: number): void {
  const poll = useEffectEvent(fn); // the latest fn, without restarting the timer for each render's
  useEffect(() => {
    const t = setInterval(() => {
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') poll();
    }, ms);
    const onVisible = () => document.visibilityState === 'visible' && poll();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(t);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms]);
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

export function RefreshButton({ onClick, testId = 'refresh' }: { onClick: () => void; testId?: string }) {
  return (
    <button type="button" className="btn btn--small btn--ghost" onClick={onClick} data-testid={testId} aria-label="Refresh">
      <RefreshCw size={15} aria-hidden="true" /> Refresh
    </button>
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
