// NotificationSocket owns one user's notification WebSocket: it connects with
// ?proto=2 (read-state frames too) and ?since=<last id>, routes each
// notification frame to notify[type](message) exactly once per browser,
// reconnects with exponential backoff and full jitter, reconnects at once when
// the browser comes back online or the tab becomes visible, and stops for good
// on stop() (logout, unmount) or on close code 4401 (the session ended).
// It has no React in it, so it can be tested with a fake WebSocket and fake
// timers; useWebSocketNotifications wraps it.

import type { Level, Notification } from '../types';
import { LEVELS } from '../types';
import { backoffDelay } from './backoff';
import { claimKeysForFrame, type ToastClaims } from './claims';
import { ResumeTracker, type KeyValueStore } from './resume';

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
  /** Every successful open; reconnect is false for the first one. */
  onOpen?: (info: { reconnect: boolean }) => void;
  /** The session ended (close 4401, or the server answers 401): log out. */
  onSessionEnded?: () => void;
  onStateChange?: (connected: boolean, socket: WebSocketLike | null) => void;
}

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

const OPEN = 1;
const CONNECTING = 0;

function isLevel(v: unknown): v is Level {
  return typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
}

export class NotificationSocket {
  private readonly o: NotificationSocketOptions;
  private readonly tracker: ResumeTracker;
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private failuresBeforeOpen = 0;
  private reconnectTimer: unknown = null;
  private pingTimer: unknown = null;
  private stopped = false;
  private started = false;
  private everOpened = false;
  private openedAt = 0;
  private lastFrameAt = 0;
  private connected = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly onOnline = () => this.reconnectNow('online');
  private readonly onVisibility = () => {
    if (!this.o.doc || this.o.doc.visibilityState === undefined || this.o.doc.visibilityState === 'visible') {
      this.reconnectNow('visible');
    }
  };

  constructor(opts: NotificationSocketOptions) {
    this.o = opts;
    this.tracker = new ResumeTracker(opts.userId, opts.storage);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
  private setTimer(fn: () => void, ms: number): unknown {
    return (this.o.setTimer ?? ((f, m) => setTimeout(f, m)))(fn, ms);
  }
  private clearTimer(t: unknown): void {
    if (t !== null && t !== undefined) (this.o.clearTimer ?? ((x) => clearTimeout(x as ReturnType<typeof setTimeout>)))(t);
  }
  private handlers(): NotificationHandlers {
    return this.o.handlers?.() ?? {};
  }
  private log(msg: string, extra?: unknown): void {
    this.o.log?.(msg, extra);
  }

  /** since is the id a reconnect resumes after. */
  get since(): number | null {
    return this.tracker.since;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get socket(): WebSocketLike | null {
    return this.ws;
  }

  /** start connects (once) and listens for online / visibility changes. */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    this.o.win?.addEventListener('online', this.onOnline);
    this.o.doc?.addEventListener('visibilitychange', this.onVisibility);
    if (this.o.initialSince) {
      try {
        const newest = await this.o.initialSince();
        if (newest !== null && newest !== undefined) {
          // Nothing seen yet: start after the newest (old ones are in the inbox).
          if (!this.tracker.hasBaseline) this.tracker.setBaseline(newest);
          // The server is behind what we remember: its history was reset.
          else this.tracker.rewind(newest);
        }
      } catch {
        /* connect with what we have (live only when nothing was seen) */
      }
    }
    if (!this.stopped) this.connect();
  }

  /** stop closes the socket for good: no reconnect follows. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.o.win?.removeEventListener('online', this.onOnline);
    this.o.doc?.removeEventListener('visibilitychange', this.onVisibility);
    this.clearTimer(this.reconnectTimer);
    this.reconnectTimer = null;
    this.clearTimer(this.pingTimer);
    this.pingTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = null;
      ws.onclose = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
    this.o.claims?.close();
    this.setConnected(false);
  }

  /** forget drops the persisted resume position (logout). */
  forget(): void {
    this.tracker.forget();
  }

  /** reconnectNow skips the backoff wait (browser online again, tab visible). */
  reconnectNow(reason: string): void {
    if (this.stopped || !this.started) return;
    if (this.ws && (this.ws.readyState === OPEN || this.ws.readyState === CONNECTING)) return;
    this.log('reconnect now: ' + reason);
    this.clearTimer(this.reconnectTimer);
    this.reconnectTimer = null;
    this.attempt = 0;
    this.connect();
  }

  private setConnected(v: boolean): void {
    this.connected = v;
    this.handlers().onStateChange?.(v, v ? this.ws : null);
  }

  private connect(): void {
    if (this.stopped || this.ws) return;
    const url = this.o.url(this.tracker.since);
    let ws: WebSocketLike;
    try {
      ws = this.o.createSocket(url);
    } catch (e) {
      this.log('socket constructor failed', e);
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      const reconnect = this.everOpened;
      this.everOpened = true;
      this.failuresBeforeOpen = 0;
      this.openedAt = this.now();
      this.lastFrameAt = this.openedAt;
      this.setConnected(true);
      this.schedulePing();
      this.handlers().onOpen?.({ reconnect });
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = this.now();
      this.onFrame(ev.data);
    };
    ws.onerror = () => {
      /* onclose follows and decides */
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.onClosed(ev.code, this.openedAt > 0 && this.connected);
    };
  }

  private onClosed(code: number, wasOpen: boolean): void {
    this.ws = null;
    this.clearTimer(this.pingTimer);
    this.pingTimer = null;
    const openFor = wasOpen ? this.now() - this.openedAt : 0;
    this.openedAt = 0;
    this.setConnected(false);
    if (this.stopped) return;
    if (code === CLOSE_SESSION_ENDED) {
      this.log('session ended (4401)');
      this.endSession();
      return;
    }
    if (code === CLOSE_FORBIDDEN) {
      this.log('forbidden (4403): not reconnecting');
      this.stop();
      return;
    }
    if (wasOpen && openFor >= (this.o.stableMs ?? 5000)) this.attempt = 0;
    if (!wasOpen) {
      this.failuresBeforeOpen++;
      // A refused handshake looks like 1006 in a browser: ask the API whether
      // the session is still there, so an ended session does not loop forever.
      if (this.failuresBeforeOpen >= 2 && this.o.checkSession) {
        this.o
          .checkSession()
          .then((state) => {
            if (state === 'ended' && !this.stopped) this.endSession();
          })
          .catch(() => {});
      }
    }
    this.scheduleReconnect();
  }

  private endSession(): void {
    const h = this.handlers();
    this.stop();
    h.onSessionEnded?.();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const delay = backoffDelay(this.attempt, { baseMs: this.o.baseMs, capMs: this.o.capMs, random: this.o.random });
    this.attempt++;
    this.log(`reconnecting in ${delay} ms (attempt ${this.attempt})`);
    this.reconnectTimer = this.setTimer(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private schedulePing(): void {
    const every = this.o.pingIntervalMs ?? 25_000;
    if (!every) return;
    this.clearTimer(this.pingTimer);
    this.pingTimer = this.setTimer(() => {
      this.pingTimer = null;
      const ws = this.ws;
      if (!ws || ws.readyState !== OPEN || this.stopped) return;
      const silentFor = this.now() - this.lastFrameAt;
      if (silentFor > every + (this.o.pongTimeoutMs ?? 10_000)) {
        // The last ping went unanswered: the connection is dead without a close.
        this.log('no pong: dropping the socket');
        ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
        try {
          ws.close(CLOSE_PING_TIMEOUT, 'ping timeout');
        } catch {
          /* ignore */
        }
        this.onClosed(CLOSE_PING_TIMEOUT, true);
        return;
      }
      try {
        ws.send(JSON.stringify({ type: 'ping' }));
      } catch {
        /* onclose follows */
      }
      this.schedulePing();
    }, every);
  }

  private onFrame(raw: unknown): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(String(raw)) as Record<string, unknown>;
    } catch {
      this.log('ignoring a frame that is not JSON');
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    const type = frame['type'];
    if (typeof frame['id'] === 'number') {
      this.onNotificationFrame(frame as unknown as Notification);
      return;
    }
    switch (type) {
      case 'read': {
        const ids = Array.isArray(frame['ids']) ? (frame['ids'] as unknown[]).filter((x): x is number => typeof x === 'number') : [];
        this.handlers().onRead?.(ids);
        return;
      }
      case 'read_all': {
        const upTo = frame['up_to'];
        if (typeof upTo === 'number') this.handlers().onReadAll?.(upTo);
        return;
      }
      case 'notice': {
        const msg = typeof frame['message'] === 'string' ? frame['message'] : '';
        const h = this.handlers();
        if (h.onNotice) h.onNotice(msg);
        else if (msg) this.o.notify.info(msg);
        return;
      }
      case 'pong':
        return;
      default:
        // A seed-era frame without an id ({type, message}): show it, nothing to dedupe by.
        if (isLevel(type) && typeof frame['message'] === 'string') this.o.notify[type](frame['message']);
    }
  }

  private onNotificationFrame(n: Notification): void {
    if (!this.tracker.accept(n.id)) return; // a repeat (replay overlap): already handled in this tab
    const level: Level = isLevel(n.type) ? n.type : 'info';
    const message = typeof n.message === 'string' ? n.message : String(n.message ?? '');
    const stale =
      this.o.staleToastMs !== undefined &&
      Number.isFinite(Date.parse(n.created_at)) &&
      this.now() - Date.parse(n.created_at) > this.o.staleToastMs;
    // Toasts are claimed in arrival order, one after the other.
    const toasted: Promise<boolean> = this.queue
      .then(async () => {
        if (this.stopped) return false;
        const won = this.o.claims ? await this.o.claims.claimAll(claimKeysForFrame(n)) : true;
        if (!won || stale || this.stopped) return false;
        this.o.notify[level](message);
        return true;
      })
      .catch(() => false);
    this.queue = toasted;
    this.handlers().onNotification?.({ ...n, type: level, message }, { toasted });
  }
}
