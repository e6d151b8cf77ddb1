// TabPresence tells the tabs of one browser (one user) two things the toast
// router needs, with Web Locks (a BroadcastChannel where locks are missing):
//
// - which tab acted: before a tab sends a request whose result the server
//   also announces by notification (a renewal), it takes the lock
//   "parkmate-act:<event>:<booking id>" for each event that may follow, and
//   waits for it before sending; so when the notification reaches the other
//   tabs, the lock is held, and they leave the toast to the acting tab (which
//   shows the REST answer as its confirmation). The acting tab lets go when
//   its own copy of the frame arrives (after claiming it), or after a while.
// - whether some tab is visible: every visible tab holds the shared lock
//   "parkmate-visible:<user>", so a hidden tab can tell that the user is
//   looking at another one and leave the toast to it.

import type { ChannelLike, LockManagerLike } from './claims';

export interface PresenceOptions {
  locks?: LockManagerLike;
  channel?: ChannelLike;
  /** The document whose visibility counts (omitted: always visible). */
  doc?: { visibilityState?: string; addEventListener(t: string, f: () => void): void; removeEventListener(t: string, f: () => void): void };
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

/** OWN_ACTION_MS is how long a tab waits for its own action's notification before it lets go. */
export const OWN_ACTION_MS = 15_000;

interface Held {
  release: () => void;
  timer: unknown;
}

/** actionKey names an event about a booking: what one action may cause. */
export function actionKey(event: string, bookingId: number | string): string {
  return `${event}:${bookingId}`;
}

export class TabPresence {
  private readonly o: PresenceOptions;
  private readonly visibleName: string;
  private readonly own = new Map<string, Held>();
  /** Keys other tabs announced on the channel (no Web Locks), until when. */
  private readonly others = new Map<string, number>();
  private releaseVisible: (() => void) | null = null;
  private closed = false;
  private readonly onVisibility = () => this.syncVisible();

  constructor(userId: number | string, opts: PresenceOptions = {}) {
    this.o = opts;
    this.visibleName = `parkmate-visible:${userId}`;
    if (opts.channel) {
      opts.channel.onmessage = (ev: MessageEvent) => {
        const d = ev.data as { acting?: unknown; until?: unknown; settled?: unknown } | null;
        if (d && typeof d.acting === 'string' && typeof d.until === 'number') this.others.set(d.acting, d.until);
        if (d && typeof d.settled === 'string') this.others.delete(d.settled);
      };
    }
    opts.doc?.addEventListener('visibilitychange', this.onVisibility);
    this.syncVisible();
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** isHidden tells whether this tab's page is hidden. */
  isHidden(): boolean {
    return this.o.doc?.visibilityState === 'hidden';
  }

  private syncVisible(): void {
    const locks = this.o.locks;
    if (!locks || this.closed) return;
    if (!this.isHidden() && !this.releaseVisible) {
      const held = new Promise<void>((resolve) => {
        this.releaseVisible = resolve;
      });
      locks.request(this.visibleName, { mode: 'shared' }, () => held).catch(() => {});
    } else if (this.isHidden() && this.releaseVisible) {
      this.releaseVisible();
      this.releaseVisible = null;
    }
  }

  /**
   * probe tells whether a tab holds `name`. It asks the lock manager which
   * locks are held, touching none: two tabs probing at once must not see
   * each other's probe. (Without query(), it takes the lock if free and
   * drops it at once.)
   */
  private async probe(name: string): Promise<boolean> {
    const locks = this.o.locks;
    if (!locks) return false;
    try {
      if (locks.query) return ((await locks.query()).held ?? []).some((l) => l.name === name);
      let busy = false;
      await locks.request(name, { ifAvailable: true }, (lock) => {
        busy = lock === null;
        return undefined;
      });
      return busy;
    } catch {
      return false;
    }
  }

  /** visibleElsewhere tells whether another tab of this user is visible (false when unknown). */
  async visibleElsewhere(): Promise<boolean> {
    if (!this.isHidden()) return false;
    return this.probe(this.visibleName);
  }

  /**
   * begin marks keys as this tab's own action and resolves once every other
   * tab can see that (the locks are granted): send the request after it.
   */
  async begin(keys: string[]): Promise<void> {
    for (const key of keys) {
      this.settle(key);
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      if (this.o.locks) {
        // ifAvailable: two tabs acting at once each keep their own mark.
        await new Promise<void>((granted) => {
          this.o.locks!.request('parkmate-act:' + key, { ifAvailable: true }, (lock) => {
            granted();
            return lock ? held : undefined;
          }).catch(() => granted());
        });
      }
      this.post({ acting: key, until: this.now() + OWN_ACTION_MS });
      this.own.set(key, { release, timer: this.arm(key, OWN_ACTION_MS) });
    }
  }

  /** ended restarts the wait of keys from now (the request answered: the frame follows soon). */
  ended(keys: string[]): void {
    for (const key of keys) {
      const h = this.own.get(key);
      if (!h) continue;
      (this.o.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)))(h.timer);
      h.timer = this.arm(key, OWN_ACTION_MS);
    }
  }

  private arm(key: string, ms: number): unknown {
    return (this.o.setTimer ?? ((f, m) => setTimeout(f, m)))(() => this.settle(key), ms);
  }

  /** owns tells whether key is an action of this tab still waiting for its notification. */
  owns(key: string): boolean {
    return this.own.has(key);
  }

  /** settle lets go of key: its notification arrived here, or the wait ran out. */
  settle(key: string): void {
    const h = this.own.get(key);
    if (!h) return;
    this.own.delete(key);
    (this.o.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)))(h.timer);
    h.release();
    this.post({ settled: key });
  }

  /** post tells the other tabs on the channel (used where Web Locks are missing). */
  private post(message: unknown): void {
    if (this.o.locks) return;
    try {
      this.o.channel?.postMessage(message);
    } catch {
      /* channel closed */
    }
  }

  /** actingElsewhere tells whether another tab marked key as its own action. */
  async actingElsewhere(key: string): Promise<boolean> {
    if (this.own.has(key)) return false;
    const until = this.others.get(key);
    if (until !== undefined && until > this.now()) return true;
    return this.probe('parkmate-act:' + key);
  }

  /** close lets go of every lock (logout). */
  close(): void {
    this.closed = true;
    for (const key of [...this.own.keys()]) this.settle(key);
    this.releaseVisible?.();
    this.releaseVisible = null;
    this.o.doc?.removeEventListener('visibilitychange', this.onVisibility);
    try {
      this.o.channel?.close();
    } catch {
      /* ignore */
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** browserPresence builds a TabPresence on the browser's locks, channel and document. */
export function browserPresence(userId: number | string): TabPresence {
  const nav = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManagerLike }) : undefined;
  let channel: ChannelLike | undefined;
  try {
    channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(`parkmate-presence-${userId}`) : undefined;
  } catch {
    channel = undefined;
  }
  return new TabPresence(userId, { locks: nav?.locks, channel, doc: typeof document !== 'undefined' ? document : undefined });
}

const shared = new Map<string, TabPresence>();

/** sharedPresence is this tab's presence for a user (a closed one is replaced). */
export function sharedPresence(userId: number | string): TabPresence {
  const key = String(userId);
  let p = shared.get(key);
  if (!p || p.isClosed) {
    p = browserPresence(userId);
    shared.set(key, p);
  }
  return p;
}
