// Test doubles: a controllable WebSocket, an in-memory Storage, a Web Locks
// manager shared by "tabs", and a BroadcastChannel hub.

import type { ChannelLike, LockManagerLike } from '../lib/claims';
import type { WebSocketLike } from '../lib/notificationSocket';
import type { KeyValueStore } from '../lib/resume';

export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static get last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  readonly url: string;
  readyState = 0;
  sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  // Server side of the fake:
  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  serverSend(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) } as MessageEvent);
  }
  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 } as CloseEvent);
  }
  /** A refused handshake: the browser reports only an error and a 1006 close. */
  serverRefuse(): void {
    this.readyState = 3;
    this.onerror?.(new Event('error'));
    this.onclose?.({ code: 1006, reason: '', wasClean: false } as CloseEvent);
  }
  get params(): URLSearchParams {
    return new URL(this.url).searchParams;
  }
}

export class MemoryStorage implements KeyValueStore {
  private m = new Map<string, string>();
  getItem(k: string): string | null {
    return this.m.has(k) ? this.m.get(k)! : null;
  }
  setItem(k: string, v: string): void {
    this.m.set(k, String(v));
  }
  removeItem(k: string): void {
    this.m.delete(k);
  }
  clear(): void {
    this.m.clear();
  }
}

/**
 * FakeLocks mimics navigator.locks for any number of tabs: exclusive and
 * shared modes, ifAvailable, and requests that wait for the lock.
 */
export class FakeLocks implements LockManagerLike {
  private holders = new Map<string, { mode: 'exclusive' | 'shared'; count: number }>();
  private waiting: Array<() => boolean> = [];

  /** held tells whether any tab holds name. */
  isHeld(name: string): boolean {
    return this.holders.has(name);
  }

  get held(): Set<string> {
    return new Set(this.holders.keys());
  }

  query(): Promise<{ held: Array<{ name: string; mode: string }> }> {
    const held: Array<{ name: string; mode: string }> = [];
    for (const [name, h] of this.holders) for (let i = 0; i < h.count; i++) held.push({ name, mode: h.mode });
    return Promise.resolve({ held });
  }

  private grantable(name: string, mode: 'exclusive' | 'shared'): boolean {
    const h = this.holders.get(name);
    return !h || (mode === 'shared' && h.mode === 'shared');
  }

  private take(name: string, mode: 'exclusive' | 'shared'): void {
    const h = this.holders.get(name);
    if (h) h.count++;
    else this.holders.set(name, { mode, count: 1 });
  }

  private drop(name: string): void {
    const h = this.holders.get(name)!;
    if (--h.count === 0) this.holders.delete(name);
    this.waiting = this.waiting.filter((tryGrant) => !tryGrant());
  }

  async request(
    name: string,
    options: { ifAvailable?: boolean; mode?: 'exclusive' | 'shared' },
    callback: (lock: { name: string } | null) => unknown,
  ): Promise<unknown> {
    const mode = options.mode ?? 'exclusive';
    if (this.grantable(name, mode)) this.take(name, mode);
    else if (options.ifAvailable) return callback(null);
    else {
      await new Promise<void>((resolve) =>
        this.waiting.push(() => {
          if (!this.grantable(name, mode)) return false;
          this.take(name, mode);
          resolve();
          return true;
        }),
      );
    }
    try {
      return await callback({ name });
    } finally {
      this.drop(name);
    }
  }
}

/** ChannelHub connects fake BroadcastChannels of one name, like tabs of one origin. */
export class ChannelHub {
  private channels = new Set<FakeChannel>();
  open(): FakeChannel {
    const c = new FakeChannel(this);
    this.channels.add(c);
    return c;
  }
  deliver(from: FakeChannel, message: unknown): void {
    for (const c of this.channels) if (c !== from) c.onmessage?.({ data: message } as MessageEvent);
  }
  remove(c: FakeChannel): void {
    this.channels.delete(c);
  }
}

export class FakeChannel implements ChannelLike {
  onmessage: ((ev: MessageEvent) => void) | null = null;
  constructor(private hub: ChannelHub) {}
  postMessage(message: unknown): void {
    this.hub.deliver(this, message);
  }
  close(): void {
    this.hub.remove(this);
  }
}

/** flush lets queued promise callbacks run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}

export function notification(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    type: 'info',
    message: `message ${id}`,
    event: 'booking.created',
    data: {},
    created_at: new Date().toISOString(),
    ...over,
  };
}
