// useWebSocketNotifications(userId): the design's hook, hardened. It returns
// { isConnected, socket } and routes each notification frame to
// notify[type](message) (or to options.route), and besides: when the next
// reconnect is due, retryNow(), and it keeps the server told which lots the
// page watches (options.watch). See lib/notificationSocket.ts for the
// connection rules (backoff with full jitter, resume with ?since, cross-tab
// dedupe, online/visibility reconnect, 4401 = log out, close on logout and
// unmount).

import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api';
import { WS_URL } from '../config';
import { sharedClaims, type ToastClaims } from '../lib/claims';
import { useLatest } from './useLatest';
import {
  NotificationSocket,
  type NotificationHandlers,
  type NotifyLevels,
  type ToastRoute,
  type WebSocketLike,
} from '../lib/notificationSocket';
import type { KeyValueStore } from '../lib/resume';
import { notificationsUrl } from '../lib/wsUrl';
import defaultNotify from '../notify';

/**
 * RECONNECT_CAP_MS is the longest wait between two reconnect attempts in the
 * app: after a server restart a page is back within 10 s at worst (the
 * banner's "Retry now" skips the wait); the jitter still spreads the clients.
 */
export const RECONNECT_CAP_MS = 10_000;

export interface UseWebSocketNotificationsOptions extends NotificationHandlers {
  /** Where toasts go (default: the notify module). */
  notify?: NotifyLevels;
  /** WebSocket constructor (default: the browser's). */
  WebSocketImpl?: new (url: string) => WebSocketLike;
  /** Base of the socket URL (default: VITE_WS_URL, else derived from location). */
  baseUrl?: string;
  storage?: KeyValueStore | null;
  /** Cross-tab toast claims (default: Web Locks + localStorage + BroadcastChannel); null disables. */
  claims?: ToastClaims | null;
  random?: () => number;
  baseMs?: number;
  capMs?: number;
  pingIntervalMs?: number;
  /** Skip the REST calls (session check, newest id) made by default. */
  offline?: boolean;
  /** The toast policy for notification frames (lib/toastRouter.ts). */
  route?: ToastRoute;
  /** The newest stored notification id (default: GET /api/notifications/?limit=1). */
  newestId?: () => Promise<number | null>;
  /** Lots whose slot frames to receive (sent again after each reconnect). */
  watch?: number[];
  /** True while the user can see the page: new notifications are reported as displayed (not pushed). */
  pageVisible?: () => boolean;
}

export interface WebSocketNotificationsState {
  isConnected: boolean;
  socket: WebSocketLike | null;
}

export interface WebSocketNotificationsControls extends WebSocketNotificationsState {
  /** When the next reconnect attempt is due (ms since the epoch); null while connected or connecting. */
  nextRetryAt: number | null;
  /** Attempts that failed since the last connection or retryNow. */
  failedAttempts: number;
  /** Reconnect at once, skipping the backoff wait. */
  retryNow: () => void;
}

function defaultStorage(): KeyValueStore | undefined {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : undefined;
  } catch {
    return undefined;
  }
}

export function useWebSocketNotifications(
  userId: number | null | undefined,
  options: UseWebSocketNotificationsOptions = {},
): WebSocketNotificationsControls {
  const [state, setState] = useState<WebSocketNotificationsState>({ isConnected: false, socket: null });
  const [retry, setRetry] = useState<{ at: number | null; failed: number }>({ at: null, failed: 0 });
  const conn = useRef<NotificationSocket | null>(null);
  // The socket outlives renders: its handlers read the latest options.
  const optsRef = useLatest(options);
  const watchKey = (options.watch ?? []).join(',');

  useEffect(() => {
    if (userId === null || userId === undefined) return;
    const o = optsRef.current;
    const WS = o.WebSocketImpl ?? (typeof WebSocket !== 'undefined' ? WebSocket : undefined);
    if (!WS) return;
    const claims = o.claims === undefined ? sharedClaims(userId) : (o.claims ?? undefined);
    const socket = new NotificationSocket({
      userId,
      url: (since) =>
        notificationsUrl({ base: o.baseUrl ?? WS_URL, location: window.location, userId, since, proto: 2 }),
      createSocket: (url) => new WS(url),
      notify: o.notify ?? defaultNotify,
      storage: o.storage === null ? undefined : (o.storage ?? defaultStorage()),
      claims,
      route: o.route ? (n, info) => optsRef.current.route!(n, info) : undefined,
      random: o.random,
      baseMs: o.baseMs,
      capMs: o.capMs ?? RECONNECT_CAP_MS,
      pingIntervalMs: o.pingIntervalMs,
      staleToastMs: 15 * 60_000,
      pageVisible: o.pageVisible ? () => optsRef.current.pageVisible?.() ?? false : undefined,
      win: window,
      doc: document,
      handlers: () => ({
        ...optsRef.current,
        onStateChange: (connected, socket) => {
          setState({ isConnected: connected, socket });
          optsRef.current.onStateChange?.(connected, socket);
        },
        onRetry: (at, failed) => {
          setRetry({ at, failed });
          optsRef.current.onRetry?.(at, failed);
        },
      }),
      checkSession: o.offline
        ? undefined
        : async () => {
            try {
              await api.me();
              return 'ok';
            } catch (e) {
              return e instanceof ApiError && e.status === 401 ? 'ended' : 'unknown';
            }
          },
      initialSince: o.offline
        ? undefined
        : (o.newestId ??
          (async () => {
            const page = await api.notifications({ limit: 1 });
            return page.items.length ? page.items[0].id : 0;
          })),
      log: import.meta.env.DEV ? (m, x) => console.debug('[ws]', m, x ?? '') : undefined,
    });
    conn.current = socket;
    socket.watch(optsRef.current.watch ?? []);
    void socket.start();
    return () => {
      socket.stop();
      conn.current = null;
      setState({ isConnected: false, socket: null });
      setRetry({ at: null, failed: 0 });
    };
  }, [userId, optsRef]);

  useEffect(() => {
    conn.current?.watch(watchKey ? watchKey.split(',').map(Number) : []);
  }, [watchKey]);

  const retryNow = useCallback(() => conn.current?.retryNow(), []);
  return { ...state, nextRetryAt: retry.at, failedAttempts: retry.failed, retryNow };
}

/** forgetResumePosition drops the stored ?since for a user (on logout). */
export function forgetResumePosition(userId: number): void {
  try {
    localStorage.removeItem(`parkmate:lastSeen:${userId}`);
  } catch {
    /* ignore */
  }
}

export default useWebSocketNotifications;
