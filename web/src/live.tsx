// LiveProvider owns the signed-in user's socket and ties it to the cached
// server state: notification frames go to the inbox (and to the toast
// router, which picks the one tab that shows them), read-state frames patch
// the inbox, live frames invalidate or patch the queries that show what
// changed (lib/liveUpdates.ts), and after a reconnect every active query is
// refetched once. Pages say which lots they show with useWatchLots; the
// socket watches their union.

import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { useAuth } from './auth';
import { useLatest } from './hooks/useLatest';
import { useWebSocketNotifications } from './hooks/useWebSocketNotifications';
import { applyInbox, inboxQuery } from './inbox';
import { sharedClaims } from './lib/claims';
import { applyLiveFrame } from './lib/liveUpdates';
import { sharedPresence } from './lib/presence';
import { ToastRouter, type Decision } from './lib/toastRouter';
import { closePushedNotification, pageVisible } from './push/push';
import { showNotificationToast, showSystemNotification } from './toasts';
import type { Notification } from './types';

/** MAX_WATCHED_LOTS is the server's default --max-watched-lots: a page never asks for more. */
export const MAX_WATCHED_LOTS = 50;

export interface LiveValue {
  connected: boolean;
  /** Since when the socket is down (ms since the epoch), or null while connected. */
  downSince: number | null;
  nextRetryAt: number | null;
  /** Reconnect attempts that failed since the last connection or retryNow. */
  failedAttempts: number;
  retryNow: () => void;
  /** The router that decides which tab shows a toast (null when signed out). */
  router: ToastRouter | null;
}

declare global {
  interface Window {
    /** This tab's toast decisions, newest last (the e2e tests read them). */
    __parkmateRouted?: Array<{ id: number; event: string; decision: Decision }>;
  }
}

function recordDecision(n: Notification, decision: Decision): void {
  const log = (window.__parkmateRouted ??= []);
  log.push({ id: n.id, event: n.event ?? '', decision });
  if (log.length > 200) log.splice(0, log.length - 200);
}

const LiveContext = createContext<LiveValue | null>(null);
const WatchContext = createContext<((owner: string, lots: number[]) => void) | null>(null);

function useWatchRegistry() {
  const [sets, setSets] = useState<ReadonlyMap<string, number[]>>(new Map());
  const register = useCallback((owner: string, lots: number[]) => {
    setSets((prev) => {
      const next = new Map(prev);
      if (lots.length) next.set(owner, lots);
      else next.delete(owner);
      return next;
    });
  }, []);
  const watched = useMemo(() => {
    const all = new Set<number>();
    for (const lots of sets.values()) for (const id of lots) all.add(id);
    return [...all].sort((a, b) => a - b).slice(0, MAX_WATCHED_LOTS);
  }, [sets]);
  return { watched, register };
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const { user, sessionEnded } = useAuth();
  const qc = useQueryClient();
  const userId = user?.id ?? null;
  const { watched, register } = useWatchRegistry();
  const scope = useLatest({ role: user?.role ?? null, watched: new Set(watched) });
  const router = useMemo(
    () =>
      userId === null
        ? null
        : new ToastRouter({
            claims: sharedClaims(userId),
            // Read at each use: after a close (sign-out, React's StrictMode rerun) a new one is made.
            presence: () => sharedPresence(userId),
            toast: (n) => {
              showNotificationToast(n, { qc, userId });
              // A push of the same notification, if one was shown, goes: one signal, not two.
              if (n.id > 0) closePushedNotification(n.id).catch(() => {});
            },
            system: (n) => showSystemNotification(n),
            onDecision: recordDecision,
          }),
    [userId, qc],
  );

  // This tab's presence from sign-in (a visible tab holds its lock from then
  // on) to sign-out, when it lets go of its locks.
  useEffect(() => {
    if (userId === null) return;
    const presence = sharedPresence(userId);
    return () => presence.close();
  }, [userId]);

  const ws = useWebSocketNotifications(userId, {
    route: router ? (n, info) => router.route(n, info) : undefined,
    newestId: async () => {
      const inbox = await qc.fetchQuery(inboxQuery);
      return inbox.items.length ? inbox.items[0].id : 0;
    },
    watch: watched,
    pageVisible,
    onNotification: (n) => applyInbox(qc, { type: 'received', item: { ...n, read: false } }),
    onRead: (ids) => applyInbox(qc, { type: 'read', ids }),
    onReadAll: (upTo) => applyInbox(qc, { type: 'read_all', upTo }),
    onLive: (frame) => applyLiveFrame(qc, frame, scope.current),
    // Frames sent while the socket was down are lost: refetch what is shown, once.
    onOpen: ({ reconnect }) => {
      if (reconnect) void qc.invalidateQueries();
    },
    onSessionEnded: sessionEnded,
  });

  const [downSince, setDownSince] = useState<number | null>(null);
  const { isConnected } = ws;
  useEffect(() => {
    if (userId === null) return;
    const t = setTimeout(() => setDownSince(isConnected ? null : Date.now()), 0);
    return () => clearTimeout(t);
  }, [isConnected, userId]);

  const value = useMemo<LiveValue>(
    () => ({
      connected: isConnected,
      downSince: isConnected ? null : downSince,
      nextRetryAt: ws.nextRetryAt,
      failedAttempts: ws.failedAttempts,
      retryNow: ws.retryNow,
      router,
    }),
    [isConnected, downSince, ws.nextRetryAt, ws.failedAttempts, ws.retryNow, router],
  );
  return (
    <LiveContext.Provider value={value}>
      <WatchContext.Provider value={register}>{children}</WatchContext.Provider>
    </LiveContext.Provider>
  );
}

export function useLive(): LiveValue {
  const ctx = useContext(LiveContext);
  if (!ctx) throw new Error('useLive outside LiveProvider');
  return ctx;
}

/** useWatchLots asks for the slot frames of lots while the calling component is shown. */
export function useWatchLots(lots: number[]): void {
  const register = useContext(WatchContext);
  const owner = useId();
  const key = lots.join(',');
  useEffect(() => {
    if (!register) return;
    register(owner, key ? key.split(',').map(Number) : []);
    return () => register(owner, []);
  }, [register, owner, key]);
}
