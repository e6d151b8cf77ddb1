// useWebSocketNotifications(userId): the design's hook, hardened. It returns
// { isConnected, socket } and routes each notification frame to
// notify[type](message). See lib/notificationSocket.ts for the connection
// rules (backoff with full jitter, resume with ?since, cross-tab dedupe,
// online/visibility reconnect, 4401 = log out, close on logout and unmount).

import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { WS_URL } from '../config';
import { sharedClaims, type ToastClaims } from '../lib/claims';
import { useLatest } from './useLatest';
import {
  NotificationSocket,
  type NotificationHandlers,
  type NotifyLevels,
  type WebSocketLike,
} from '../lib/notificationSocket';
import type { KeyValueStore } from '../lib/resume';
import { notificationsUrl } from '../lib/wsUrl';
import defaultNotify from '../notify';

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
}

export interface WebSocketNotificationsState {
  isConnected: boolean;
  socket: WebSocketLike | null;
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
): WebSocketNotificationsState {
  const [state, setState] = useState<WebSocketNotificationsState>({ isConnected: false, socket: null });
  // The socket outlives renders: its handlers read the latest options.
  const optsRef = useLatest(options);

  useEffect(() => {
    if (userId === null || userId === undefined) return;
    const o = optsRef.current;
    const WS = o.WebSocketImpl ?? (typeof WebSocket !== 'undefined' ? WebSocket : undefined);
    if (!WS) return;
    const claims = o.claims === undefined ? sharedClaims(userId) : (o.claims ?? undefined);
    const conn = new NotificationSocket({
      userId,
      url: (since) =>
        notificationsUrl({ base: o.baseUrl ?? WS_URL, location: window.location, userId, since, proto: 2 }),
      createSocket: (url) => new WS(url),
      notify: o.notify ?? defaultNotify,
      storage: o.storage === null ? undefined : (o.storage ?? defaultStorage()),
      claims,
      random: o.random,
      baseMs: o.baseMs,
      capMs: o.capMs,
      pingIntervalMs: o.pingIntervalMs,
      staleToastMs: 15 * 60_000,
      win: window,
      doc: document,
      handlers: () => ({
        ...optsRef.current,
        onStateChange: (connected, socket) => {
          setState({ isConnected: connected, socket });
          optsRef.current.onStateChange?.(connected, socket);
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
        : async () => {
            const page = await api.notifications({ limit: 1 });
            return page.items.length ? page.items[0].id : 0;
          },
      log: import.meta.env.DEV ? (m, x) => console.debug('[ws]', m, x ?? '') : undefined,
    });
    void conn.start();
    return () => {
      conn.stop();
      setState({ isConnected: false, socket: null });
    };
  }, [userId, optsRef]);

  return state;
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
