import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelHub, FakeLocks, FakeWebSocket, flush, MemoryStorage, notification } from '../test/fakes';
import { ToastClaims } from './claims';
import { NotificationSocket, type NotificationSocketOptions } from './notificationSocket';
import { notificationsUrl } from './wsUrl';

class Env {
  listeners = new Map<string, Set<() => void>>();
  visibilityState = 'visible';
  addEventListener(t: string, fn: () => void) {
    if (!this.listeners.has(t)) this.listeners.set(t, new Set());
    this.listeners.get(t)!.add(fn);
  }
  removeEventListener(t: string, fn: () => void) {
    this.listeners.get(t)?.delete(fn);
  }
  fire(t: string) {
    this.listeners.get(t)?.forEach((fn) => fn());
  }
  count(t: string) {
    return this.listeners.get(t)?.size ?? 0;
  }
}

function makeNotify() {
  const level = () => vi.fn<(message: string) => void>();
  return { success: level(), error: level(), warning: level(), info: level() };
}

function setup(over: Partial<NotificationSocketOptions> = {}, handlers: Record<string, unknown> = {}) {
  const notify = makeNotify();
  const win = new Env();
  const doc = new Env();
  const storage = new MemoryStorage();
  const h = {
    onNotification: vi.fn(),
    onRead: vi.fn(),
    onReadAll: vi.fn(),
    onOpen: vi.fn(),
    onSessionEnded: vi.fn(),
    onStateChange: vi.fn(),
    ...handlers,
  };
  const conn = new NotificationSocket({
    userId: 7,
    url: (since) => notificationsUrl({ location: { protocol: 'http:', host: 'h' }, userId: 7, since, proto: 2 }),
    createSocket: (url) => new FakeWebSocket(url),
    notify,
    handlers: () => h,
    storage,
    random: () => 0.5,
    pingIntervalMs: 0,
    win,
    doc,
    ...over,
  });
  return { conn, notify, win, doc, storage, h };
}

beforeEach(() => {
  FakeWebSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('NotificationSocket: connecting and routing', () => {
  it('connects to /ws/notifications/{id}/ with proto=2, and routes frames to notify[type](message)', async () => {
    const { conn, notify, h } = setup();
    await conn.start();
    const ws = FakeWebSocket.last;
    expect(ws.url).toBe('ws://h/ws/notifications/7/?proto=2');
    ws.serverOpen();
    expect(conn.isConnected).toBe(true);
    expect(h.onStateChange).toHaveBeenLastCalledWith(true, ws);
    ws.serverSend(notification(1, { type: 'success', message: 'Booking renewed successfully!' }));
    ws.serverSend(notification(2, { type: 'error', message: 'Booking renewal failed: x' }));
    ws.serverSend(notification(3, { type: 'warning', message: 'w' }));
    ws.serverSend(notification(4, { type: 'info', message: 'i' }));
    await flush(20);
    expect(notify.success).toHaveBeenCalledWith('Booking renewed successfully!');
    expect(notify.error).toHaveBeenCalledWith('Booking renewal failed: x');
    expect(notify.warning).toHaveBeenCalledWith('w');
    expect(notify.info).toHaveBeenCalledWith('i');
    expect(h.onNotification).toHaveBeenCalledTimes(4);
  });

  it('passes read-state frames on and ignores pong, junk and unknown frames', async () => {
    const { conn, notify, h } = setup();
    await conn.start();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend({ type: 'read', ids: [3, 5] });
    ws.serverSend({ type: 'read_all', up_to: 42 });
    ws.serverSend({ type: 'pong' });
    ws.serverSend('not json');
    ws.serverSend({ type: 'mystery' });
    await flush();
    expect(h.onRead).toHaveBeenCalledWith([3, 5]);
    expect(h.onReadAll).toHaveBeenCalledWith(42);
    expect(Object.values(notify).every((f) => f.mock.calls.length === 0)).toBe(true);
  });

  it('shows a server notice as info when nobody handles it', async () => {
    const { conn, notify } = setup();
    await conn.start();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend({ type: 'notice', message: 'Maintenance at 22:00' });
    expect(notify.info).toHaveBeenCalledWith('Maintenance at 22:00');
  });

  it('starts after the newest stored notification when nothing was seen before', async () => {
    const { conn } = setup({ initialSince: () => Promise.resolve(40) });
    await conn.start();
    expect(FakeWebSocket.last.params.get('since')).toBe('40');
  });

  it('keeps a remembered position, but rewinds it when the server has less (database reset)', async () => {
    const storage = new MemoryStorage();
    storage.setItem('parkmate:lastSeen:7', '25');
    const a = setup({ storage, initialSince: () => Promise.resolve(30) });
    await a.conn.start();
    expect(FakeWebSocket.last.params.get('since')).toBe('25');
    a.conn.stop();
    const b = setup({ storage, initialSince: () => Promise.resolve(2) });
    await b.conn.start();
    expect(FakeWebSocket.last.params.get('since')).toBe('2');
    b.conn.stop();
  });

  it('connects with what it has when the newest id cannot be fetched', async () => {
    const { conn } = setup({ initialSince: async () => Promise.reject(new Error('offline')) });
    await conn.start();
    expect(FakeWebSocket.last.url).toBe('ws://h/ws/notifications/7/?proto=2');
    conn.stop();
  });

  it('does not toast stale notifications replayed after a long absence, but lists them', async () => {
    const { conn, notify, h } = setup({ staleToastMs: 60_000 });
    await conn.start();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend(notification(1, { created_at: new Date(Date.now() - 3600_000).toISOString() }));
    await flush(20);
    expect(notify.info).not.toHaveBeenCalled();
    expect(h.onNotification).toHaveBeenCalledTimes(1);
  });
});

describe('NotificationSocket: reconnect with backoff and full jitter', () => {
  it('reconnects after random(0, min(cap, 500 * 2^n)) ms', async () => {
    const { conn } = setup({ random: () => 0.5 });
    await conn.start();
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverRefuse(); // attempt 0: ceiling 500 → 250 ms
    vi.advanceTimersByTime(249);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.serverRefuse(); // attempt 1: 500 ms
    vi.advanceTimersByTime(499);
    expect(FakeWebSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    // Keep failing: the ceiling stops at 30 s (delay 15 s with random 0.5).
    for (let i = 0; i < 10; i++) {
      FakeWebSocket.last.serverRefuse();
      vi.advanceTimersByTime(30_000);
    }
    const n = FakeWebSocket.instances.length;
    FakeWebSocket.last.serverRefuse();
    vi.advanceTimersByTime(14_999);
    expect(FakeWebSocket.instances).toHaveLength(n);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(n + 1);
    conn.stop();
  });

  it('uses the jitter: a random of 0 reconnects at once', async () => {
    const { conn } = setup({ random: () => 0 });
    await conn.start();
    FakeWebSocket.last.serverRefuse();
    vi.advanceTimersByTime(0);
    expect(FakeWebSocket.instances).toHaveLength(2);
    conn.stop();
  });

  it('resets the backoff after a connection that stayed up', async () => {
    const { conn } = setup({ random: () => 0.999, stableMs: 5000 });
    await conn.start();
    for (let i = 0; i < 5; i++) {
      FakeWebSocket.last.serverRefuse();
      vi.advanceTimersByTime(30_000);
    }
    FakeWebSocket.last.serverOpen();
    vi.advanceTimersByTime(6000);
    const n = FakeWebSocket.instances.length;
    FakeWebSocket.last.serverClose(1001, 'going away');
    vi.advanceTimersByTime(499);
    expect(FakeWebSocket.instances).toHaveLength(n + 1);
    conn.stop();
  });

  it('resumes with ?since=<last id>, and shows nothing twice when the replay overlaps', async () => {
    const { conn, notify, h } = setup();
    await conn.start();
    let ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend(notification(10, { message: 'ten' }));
    ws.serverSend(notification(11, { message: 'eleven' }));
    await flush(20);
    ws.serverClose(1006);
    vi.advanceTimersByTime(30_000);
    ws = FakeWebSocket.last;
    expect(ws.params.get('since')).toBe('11');
    expect(ws.params.get('proto')).toBe('2');
    ws.serverOpen();
    expect(h.onOpen).toHaveBeenLastCalledWith({ reconnect: true });
    // The server replays 11 again (overlap) and then 12 that was missed.
    ws.serverSend(notification(11, { message: 'eleven' }));
    ws.serverSend(notification(12, { message: 'twelve' }));
    await flush(20);
    expect(notify.info.mock.calls.map((c) => c[0])).toEqual(['ten', 'eleven', 'twelve']);
    expect(h.onNotification).toHaveBeenCalledTimes(3);
    conn.stop();
  });

  it('resumes after a reload from the persisted position', async () => {
    const first = setup();
    await first.conn.start();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend(notification(30));
    await flush(20);
    first.conn.stop();
    const reloaded = setup({ storage: first.storage });
    await reloaded.conn.start();
    expect(FakeWebSocket.last.params.get('since')).toBe('30');
    reloaded.conn.stop();
  });

  it('reconnects at once when the browser comes back online or the tab becomes visible', async () => {
    const { conn, win, doc } = setup({ random: () => 0.99 });
    await conn.start();
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.last.serverRefuse();
      vi.advanceTimersByTime(60_000);
    }
    FakeWebSocket.last.serverRefuse(); // next try is ~30 s away
    const n = FakeWebSocket.instances.length;
    win.fire('online');
    expect(FakeWebSocket.instances).toHaveLength(n + 1);
    // Already connecting: another event does not open a second socket.
    win.fire('online');
    doc.fire('visibilitychange');
    expect(FakeWebSocket.instances).toHaveLength(n + 1);
    FakeWebSocket.last.serverRefuse();
    doc.visibilityState = 'hidden';
    doc.fire('visibilitychange');
    expect(FakeWebSocket.instances).toHaveLength(n + 1);
    doc.visibilityState = 'visible';
    doc.fire('visibilitychange');
    expect(FakeWebSocket.instances).toHaveLength(n + 2);
    // The scheduled retry was cancelled: no extra socket later.
    FakeWebSocket.last.serverOpen();
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(n + 2);
    conn.stop();
  });
});

describe('NotificationSocket: stopping', () => {
  it('close code 4401 ends the session: no reconnect, onSessionEnded', async () => {
    const { conn, h } = setup();
    await conn.start();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4401, 'session ended');
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(h.onSessionEnded).toHaveBeenCalledTimes(1);
    expect(conn.isConnected).toBe(false);
  });

  it('4403 stops without logging out', async () => {
    const { conn, h } = setup();
    await conn.start();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4403);
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(h.onSessionEnded).not.toHaveBeenCalled();
  });

  it('refused handshakes ask the API; a 401 there ends the session', async () => {
    const checkSession = vi.fn(() => Promise.resolve('ended' as const));
    const { conn, h } = setup({ checkSession });
    await conn.start();
    FakeWebSocket.last.serverRefuse();
    await flush();
    expect(checkSession).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30_000);
    FakeWebSocket.last.serverRefuse();
    await flush();
    expect(checkSession).toHaveBeenCalledTimes(1);
    expect(h.onSessionEnded).toHaveBeenCalledTimes(1);
    const n = FakeWebSocket.instances.length;
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(n);
  });

  it('stop() (logout, unmount) closes with 1000 and never reconnects', async () => {
    const { conn, win, doc, h } = setup();
    await conn.start();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    conn.stop();
    expect(ws.closedWith?.code).toBe(1000);
    expect(h.onStateChange).toHaveBeenLastCalledWith(false, null);
    ws.serverClose(1000); // the close event arrives later: ignored
    win.fire('online');
    doc.fire('visibilitychange');
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(win.count('online')).toBe(0);
    expect(doc.count('visibilitychange')).toBe(0);
  });

  it('stop() during a backoff wait cancels the retry', async () => {
    const { conn } = setup();
    await conn.start();
    FakeWebSocket.last.serverRefuse();
    conn.stop();
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('NotificationSocket: heartbeat', () => {
  it('pings, and drops a socket that stops answering', async () => {
    const { conn } = setup({ pingIntervalMs: 25_000, pongTimeoutMs: 10_000 });
    await conn.start();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    vi.advanceTimersByTime(25_000);
    expect(ws.sent).toEqual(['{"type":"ping"}']);
    ws.serverSend({ type: 'pong' });
    vi.advanceTimersByTime(25_000);
    expect(ws.sent).toHaveLength(2);
    // No pong for the second ping: at the third tick the socket is dropped.
    vi.advanceTimersByTime(25_000);
    expect(ws.closedWith?.code).toBe(4000);
    expect(conn.isConnected).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    conn.stop();
  });
});

describe('NotificationSocket: one toast per browser', () => {
  it('two tabs of one browser: each inbox gets the frame, only one tab toasts it', async () => {
    const storage = new MemoryStorage();
    const locks = new FakeLocks();
    const hub = new ChannelHub();
    const tabA = setup({ storage, claims: new ToastClaims(7, { storage, locks, channel: hub.open() }) });
    const tabB = setup({ storage, claims: new ToastClaims(7, { storage, locks, channel: hub.open() }) });
    await tabA.conn.start();
    const wsA = FakeWebSocket.last;
    await tabB.conn.start();
    const wsB = FakeWebSocket.last;
    wsA.serverOpen();
    wsB.serverOpen();
    const frame = notification(50, { type: 'success', message: 'Your cash payment has been verified!' });
    wsA.serverSend(frame);
    wsB.serverSend(frame);
    await flush(30);
    const toasts = tabA.notify.success.mock.calls.length + tabB.notify.success.mock.calls.length;
    expect(toasts).toBe(1);
    expect(tabA.h.onNotification).toHaveBeenCalledTimes(1);
    expect(tabB.h.onNotification).toHaveBeenCalledTimes(1);
    tabA.conn.stop();
    tabB.conn.stop();
  });

  it('reports whether the toast was shown here', async () => {
    const storage = new MemoryStorage();
    const claims = new ToastClaims(7, { storage });
    const frame = notification(60);
    await claims.claim(`n:60@${frame.created_at}`); // shown before (another tab, a previous page)
    const { conn, h, notify } = setup({ storage, claims });
    await conn.start();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend(frame);
    await flush(20);
    expect(notify.info).not.toHaveBeenCalled();
    const meta = h.onNotification.mock.calls[0][1] as { toasted: Promise<boolean> };
    await expect(meta.toasted).resolves.toBe(false);
    conn.stop();
  });
});
