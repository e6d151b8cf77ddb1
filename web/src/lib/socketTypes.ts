// The notification socket's interfaces: what it needs from a WebSocket, the
// environment and the app (options), and what it tells the app (handlers).

import type { Level, LiveFrame, Notification } from '../types';
import type { ToastClaims } from './claims';
import type { KeyValueStore } from './resume';

/** Close codes from docs/api.md. */
export const CLOSE_SESSION_ENDED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** Our own code for a socket abandoned after a missed pong. */
export const CLOSE_PING_TIMEOUT = 4000;

export type NotifyLevels = Record<Level, (message: string) => unknown>;

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface NotificationMeta {
  /** True when this tab showed the toast (false: another tab or an earlier page did, or it is stale). */
  toasted: Promise<boolean>;
}

export interface NotificationHandlers {
  onNotification?: (n: Notification, meta: NotificationMeta) => void;
  onRead?: (ids: number[]) => void;
  onReadAll?: (upTo: number) => void;
  onNotice?: (message: string) => void;
  /** A live-only frame (changed, slot, watching): screens refetch or patch what it names. */
  onLive?: (frame: LiveFrame) => void;
  /** Every successful open; reconnect is false for the first one. */
  onOpen?: (info: { reconnect: boolean }) => void;
  /** The session ended (close 4401, or the server answers 401): log out. */
  onSessionEnded?: () => void;
  onStateChange?: (connected: boolean, socket: WebSocketLike | null) => void;
  /**
   * When the next reconnect attempt is due (ms since the epoch; null while
   * connecting or connected), and how many attempts failed since the last
   * connection or "retry now".
   */
  onRetry?: (at: number | null, failed: number) => void;
}

/**
 * ToastRoute decides whether this tab shows a notification and shows it;
 * it resolves true when it did. Without one, the socket claims the frame's
 * keys and calls notify[type](message).
 */
export type ToastRoute = (n: Notification, info: { stale: boolean }) => Promise<boolean>;

export interface EnvironmentLike {
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

export interface NotificationSocketOptions {
  userId: number;
  /** Builds the socket URL for a `since` value (null: live only). */
  url: (since: number | null) => string;
  createSocket: WebSocketFactory;
  notify: NotifyLevels;
  handlers?: () => NotificationHandlers;
  storage?: KeyValueStore;
  claims?: ToastClaims;
  /** The app's toast policy (replaces claims + notify for notification frames). */
  route?: ToastRoute;
  random?: () => number;
  baseMs?: number;
  capMs?: number;
  /** Ping period; a socket that answered nothing for period + pongTimeout is dropped. 0 disables. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** A connection open at least this long resets the backoff. */
  stableMs?: number;
  /** Notifications older than this (by created_at) go to the inbox without a toast. */
  staleToastMs?: number;
  /**
   * Asked for each new notification frame: true when the user can see the
   * page now. The socket then tells the server `{"type":"displayed","ids":[id]}`
   * (proto 2), so that notification is not pushed to the user's devices.
   */
  pageVisible?: () => boolean;
  /** Asked after a handshake fails: resolves 'ended' when the session is gone (401). */
  checkSession?: () => Promise<'ok' | 'ended' | 'unknown'>;
  /**
   * Asked once at start: the newest stored notification id (0 when none). With
   * nothing seen yet the socket starts after it; a remembered position beyond it
   * (the server's database was reset) is rewound to it.
   */
  initialSince?: () => Promise<number | null>;
  /** window (online) and document (visibilitychange); omitted in tests. */
  win?: EnvironmentLike;
  doc?: EnvironmentLike & { visibilityState?: string };
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  log?: (msg: string, extra?: unknown) => void;
}
