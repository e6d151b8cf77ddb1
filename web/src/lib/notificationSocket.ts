// NotificationSocket owns one user's notification WebSocket: it connects with
// ?proto=2 (read-state and live frames too) and ?since=<last id>, routes each
// notification frame to notify[type](message) exactly once per browser (or
// to the app's toast router), passes live frames on, tells the server which
// lots' slots to send (watch; again after every reconnect),
// reconnects with exponential backoff and full jitter, reconnects at once when
// the browser comes back online or the tab becomes visible, and stops for good
// on stop() (logout, unmount) or on close code 4401 (the session ended).
// It has no React in it, so it can be tested with a fake WebSocket and fake
// timers; useWebSocketNotifications wraps it.

import type { Level, Notification } from '../types';
import { backoffDelay } from './backoff';
import { claimKeysForFrame } from './claims';
import { isLevel, parseFrame } from './frames';
import { ResumeTracker } from './resume';
import {
  CLOSE_FORBIDDEN, CLOSE_PING_TIMEOUT, CLOSE_SESSION_ENDED,
  type NotificationHandlers, type NotificationSocketOptions, type WebSocketLike,
} from './socketTypes';

export * from './socketTypes';

const OPEN = 1;

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
  private watched: number[] = [];
  private sentWatch: string | null = null;
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

  /**
   * watch sets the lots whose slot frames this socket gets (the server's
   * `{"type":"watch","lots":[...]}`); it is sent now when connected, and
   * again after every reconnect (a socket forgets its watches when it closes).
   */
  watch(lots: number[]): void {
    this.watched = [...new Set(lots.filter((id) => Number.isInteger(id) && id > 0))].sort((a, b) => a - b);
    this.sendWatch(false);
  }

  private sendWatch(afterOpen: boolean): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || !this.connected) return;
    const body = JSON.stringify({ type: 'watch', lots: this.watched });
    // A fresh socket watches nothing: only a non-empty set needs sending.
    if (afterOpen ? this.watched.length === 0 : body === this.sentWatch) {
      this.sentWatch = body;
      return;
    }
    try {
      ws.send(body);
      this.sentWatch = body;
    } catch {
      /* onclose follows; the next open sends it */
    }
  }

  /** send sends a text frame when the socket is open; false when it could not. */
  send(text: string): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || !this.connected) return false;
    try {
      ws.send(text);
      return true;
    } catch {
      return false; // onclose follows
    }
  }

  /** retryNow reconnects at once (the user's "Retry now"). */
  retryNow(): void {
    this.reconnectNow('retry now');
  }

  /**
   * reconnectNow skips the backoff wait (browser online again, tab
   * visible, "Retry now") and starts the backoff over. When an attempt is
   * already in flight it waits for that one: its failure counts as the
   * first of the new series.
   */
  reconnectNow(reason: string): void {
    if (this.stopped || !this.started) return;
    if (this.ws && this.ws.readyState === OPEN) return;
    this.log('reconnect now: ' + reason);
    this.clearTimer(this.reconnectTimer);
    this.reconnectTimer = null;
    this.attempt = 0;
    this.handlers().onRetry?.(null, 0);
    if (this.ws) return; // connecting already
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
      this.sentWatch = null;
      this.sendWatch(true);
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
    this.handlers().onRetry?.(this.now() + delay, this.attempt);
    this.reconnectTimer = this.setTimer(() => {
      this.reconnectTimer = null;
      this.handlers().onRetry?.(null, this.attempt);
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
    const frame = parseFrame(raw);
    if (!frame) {
      this.log('ignoring a frame the app does not know');
      return;
    }
    const h = this.handlers();
    switch (frame.kind) {
      case 'notification':
        this.onNotificationFrame(frame.notification);
        return;
      case 'read':
        h.onRead?.(frame.ids);
        return;
      case 'read_all':
        h.onReadAll?.(frame.upTo);
        return;
      case 'live':
        h.onLive?.(frame.frame);
        return;
      case 'notice':
        if (h.onNotice) h.onNotice(frame.message);
        else if (frame.message) this.o.notify.info(frame.message);
        return;
      case 'legacy':
        // A seed-era frame without an id ({type, message}): show it, nothing to dedupe by.
        this.o.notify[frame.level](frame.message);
        return;
      case 'pong':
        return;
    }
  }

  private onNotificationFrame(n: Notification): void {
    if (!this.tracker.accept(n.id)) return; // a repeat (replay overlap): already handled in this tab
    // Frames arrive in id order, so these reports do too, as the server wants.
    if (this.o.pageVisible?.() && Number.isInteger(n.id) && n.id > 0) this.send(JSON.stringify({ type: 'displayed', ids: [n.id] }));
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
        if (this.o.route) return await this.o.route({ ...n, type: level, message }, { stale });
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
