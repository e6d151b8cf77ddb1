// ToastClaims decides which tab of this browser shows a toast, so that a
// notification (or a timer event) shown in one tab is not toasted again in
// another tab of the same browser, nor again after a reload. Every tab still
// receives the frame and updates its inbox; only the toast is claimed.
//
// A claim is atomic across tabs when the Web Locks API is there: the first tab
// to take the lock "parkmate-claim:<key>" holds it for as long as it lives, so
// any other tab asking for it with ifAvailable gets null. Claims are also
// written to localStorage (so a reload or a later tab does not show them again)
// and announced on a BroadcastChannel (the fallback where locks are missing).

import type { KeyValueStore } from './resume';

export interface LockLike {
  name: string;
}

export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable?: boolean; mode?: 'exclusive' | 'shared' },
    callback: (lock: LockLike | null) => unknown,
  ): Promise<unknown>;
  /** The locks held and asked for, by every tab of the origin (navigator.locks.query). */
  query?(): Promise<{ held?: Array<{ name?: string }>; pending?: Array<{ name?: string }> }>;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((ev: MessageEvent) => void) | null;
}

export interface ClaimsOptions {
  storage?: KeyValueStore;
  locks?: LockManagerLike;
  channel?: ChannelLike;
  now?: () => number;
  /** Most entries kept in storage. */
  maxEntries?: number;
  /** How long a stored claim is kept. */
  ttlMs?: number;
}

type Entry = [key: string, at: number];

export class ToastClaims {
  private readonly local = new Set<string>();
  private readonly storageKey: string;
  private readonly opts: Required<Pick<ClaimsOptions, 'maxEntries' | 'ttlMs' | 'now'>> & ClaimsOptions;
  private releaseHeld: () => void = () => {};
  private readonly held: Promise<void>;
  private closed = false;

  constructor(userId: number | string, opts: ClaimsOptions = {}) {
    this.storageKey = `parkmate:claims:${userId}`;
    this.opts = { maxEntries: 500, ttlMs: 24 * 3600_000, now: Date.now, ...opts };
    this.held = new Promise<void>((resolve) => {
      this.releaseHeld = resolve;
    });
    if (this.opts.channel) {
      this.opts.channel.onmessage = (ev: MessageEvent) => {
        const data = ev.data as { claimed?: unknown } | null;
        if (data && typeof data.claimed === 'string') this.local.add(data.claimed);
      };
    }
  }

  private readStored(): Entry[] {
    const s = this.opts.storage;
    if (!s) return [];
    try {
      const raw = s.getItem(this.storageKey);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      if (!Array.isArray(parsed)) return [];
      return parsed.filter(
        (e): e is Entry => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number',
      );
    } catch {
      return [];
    }
  }

  private storedHas(key: string): boolean {
    const cutoff = this.opts.now() - this.opts.ttlMs;
    return this.readStored().some(([k, at]) => k === key && at >= cutoff);
  }

  private store(key: string): void {
    const s = this.opts.storage;
    if (!s) return;
    const now = this.opts.now();
    const cutoff = now - this.opts.ttlMs;
    const entries = this.readStored().filter(([k, at]) => at >= cutoff && k !== key);
    entries.push([key, now]);
    const kept = entries.slice(-this.opts.maxEntries);
    try {
      s.setItem(this.storageKey, JSON.stringify(kept));
    } catch {
      /* storage full or disabled: the lock and the channel still dedupe */
    }
  }

  /** seen tells, without claiming, whether key was already claimed by some tab. */
  seen(key: string): boolean {
    return this.local.has(key) || this.storedHas(key);
  }

  /** claim resolves true when this tab is the one that shows `key`. */
  async claim(key: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.local.has(key)) return false;
    if (this.storedHas(key)) {
      this.local.add(key);
      return false;
    }
    // Mark it locally before any await, so a second claim in this tab loses.
    this.local.add(key);
    const locks = this.opts.locks;
    if (locks) {
      const got = await new Promise<boolean>((resolve) => {
        locks
          .request('parkmate-claim:' + key, { ifAvailable: true }, (lock) => {
            if (!lock) {
              resolve(false);
              return undefined;
            }
            resolve(true);
            // Hold the lock while this tab lives (or until close()).
            return this.held;
          })
          .catch(() => resolve(true));
      });
      if (!got) return false;
    }
    this.store(key);
    try {
      this.opts.channel?.postMessage({ claimed: key });
    } catch {
      /* channel closed */
    }
    return true;
  }

  /** claimAll claims keys in order and is true only if every one was won. */
  async claimAll(keys: string[]): Promise<boolean> {
    for (const k of keys) {
      if (!(await this.claim(k))) return false;
    }
    return true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** close releases the held locks and the channel (on logout). */
  close(): void {
    this.closed = true;
    this.releaseHeld();
    try {
      this.opts.channel?.close();
    } catch {
      /* ignore */
    }
  }
}

/**
 * notificationKey is the claim key of a stored notification. created_at is part
 * of it so that ids reused after a server's database reset are new keys.
 */
export function notificationKey(id: number, createdAt?: string): string {
  return createdAt ? `n:${id}@${createdAt}` : `n:${id}`;
}

/**
 * eventKey is the claim key shared by a browser timer event and the server's
 * frame for the same booking, so that whichever comes first is the one shown.
 * booking.expiring includes the end time (rounded to the second) so that a
 * renewed booking can warn again for its new end.
 */
export function eventKey(event: string, bookingId: number | string, endsAt?: string | null): string {
  if (event === 'booking.expiring' && endsAt) {
    const ms = Date.parse(endsAt);
    if (Number.isFinite(ms)) return `e:${event}:${bookingId}:${Math.floor(ms / 1000)}`;
  }
  return `e:${event}:${bookingId}`;
}

/** Events that the browser's timer can also raise (design events 1 and 2). */
export const TIMER_EVENTS = new Set(['booking.expiring', 'booking.expired']);

/** claimKeysForFrame lists the keys a notification frame must win to be toasted. */
export function claimKeysForFrame(frame: {
  id: number;
  event?: string;
  data?: Record<string, unknown>;
  created_at?: string;
}): string[] {
  const keys = [notificationKey(frame.id, frame.created_at)];
  if (frame.event && TIMER_EVENTS.has(frame.event) && frame.data) {
    const bookingId = frame.data['booking_id'];
    if (typeof bookingId === 'number' || typeof bookingId === 'string') {
      const endsAt = typeof frame.data['ends_at'] === 'string' ? frame.data['ends_at'] : null;
      keys.push(eventKey(frame.event, bookingId, endsAt));
    }
  }
  return keys;
}

/** browserClaims builds ToastClaims on the browser's storage, locks and channel. */
export function browserClaims(userId: number | string): ToastClaims {
  let storage: KeyValueStore | undefined;
  try {
    storage = typeof localStorage !== 'undefined' ? localStorage : undefined;
  } catch {
    storage = undefined;
  }
  const nav = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManagerLike }) : undefined;
  let channel: ChannelLike | undefined;
  try {
    channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(`parkmate-claims-${userId}`) : undefined;
  } catch {
    channel = undefined;
  }
  return new ToastClaims(userId, { storage, locks: nav?.locks, channel });
}

const shared = new Map<string, ToastClaims>();

/**
 * sharedClaims is this tab's claims for a user, shared by the socket and the
 * booking timers (a closed one is replaced).
 */
export function sharedClaims(userId: number | string): ToastClaims {
  const key = String(userId);
  let c = shared.get(key);
  if (!c || c.isClosed) {
    c = browserClaims(userId);
    shared.set(key, c);
  }
  return c;
}
