// The socket's proto-2 live side: watch frames (sent when set, again after
// every reconnect), live frames passed on, the retry schedule it reports,
// "retry now", and the app's toast route.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebSocket, flush, MemoryStorage, notification } from '../test/fakes';
import { NotificationSocket, type NotificationSocketOptions } from './notificationSocket';

function setup(over: Partial<NotificationSocketOptions> = {}) {
  const notify = { success: vi.fn(), error: vi.fn(), warning: vi.fn(), info: vi.fn() };
  const h = { onLive: vi.fn(), onRetry: vi.fn(), onNotification: vi.fn(), onOpen: vi.fn() };
  const conn = new NotificationSocket({
    userId: 7,
    url: () => 'ws://h/ws/notifications/7/?proto=2',
    createSocket: (url) => new FakeWebSocket(url),
    notify,
    handlers: () => h,
    storage: new MemoryStorage(),
    random: () => 0.5,
    pingIntervalMs: 0,
    now: () => Date.now(),
    ...over,
  });
  return { conn, notify, h };
}

const watches = (ws: FakeWebSocket) => ws.sent.map((s) => JSON.parse(s) as { type: string; lots?: number[] }).filter((f) => f.type === 'watch');

beforeEach(() => {
  FakeWebSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('NotificationSocket: watching lots', () => {
  it('sends the watched lots once open, each change once, and again after a reconnect', async () => {
    const { conn } = setup();
    conn.watch([5, 3, 5]);
    await conn.start();
    const first = FakeWebSocket.last;
    expect(first.sent).toEqual([]); // not open yet
    first.serverOpen();
    expect(watches(first)).toEqual([{ type: 'watch', lots: [3, 5] }]);
    conn.watch([3, 5]); // the same set: nothing to send
    conn.watch([3]);
    conn.watch([]);
    expect(watches(first).map((w) => w.lots)).toEqual([[3, 5], [3], []]);
    conn.watch([9]);
    first.serverClose(1006);
    vi.advanceTimersByTime(1000);
    const second = FakeWebSocket.last;
    expect(second).not.toBe(first);
    second.serverOpen();
    // The server forgot the set with the old socket: it is sent again.
    expect(watches(second)).toEqual([{ type: 'watch', lots: [9] }]);
    conn.stop();
  });

  it('sends no watch to a fresh socket when no lot is watched', async () => {
    const { conn } = setup();
    await conn.start();
    FakeWebSocket.last.serverOpen();
    expect(FakeWebSocket.last.sent).toEqual([]);
    conn.stop();
  });

  it('drops ids that cannot be lots', async () => {
    const { conn } = setup();
    conn.watch([0, -2, 1.5, 4]);
    await conn.start();
    FakeWebSocket.last.serverOpen();
    expect(watches(FakeWebSocket.last)).toEqual([{ type: 'watch', lots: [4] }]);
    conn.stop();
  });
});

describe('NotificationSocket: live frames', () => {
  it('passes changed, slot and watching frames on, never as notifications', async () => {
    const { conn, h, notify } = setup();
    await conn.start();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend({ type: 'changed', resource: 'booking', id: 12, booking_id: 12, lot_id: 3, status: 'ACTIVE' });
    ws.serverSend({ type: 'slot', lot_id: 3, slot_id: 7, number: 2, free: false, free_slots: 11 });
    ws.serverSend({ type: 'watching', lots: [3], refused: [99] });
    ws.serverSend({ type: 'changed', resource: 'spaceship', id: 1 }); // unknown resource: ignored
    await flush(10);
    expect(h.onLive.mock.calls.map((c) => (c[0] as { type: string }).type)).toEqual(['changed', 'slot', 'watching']);
    expect(h.onLive.mock.calls[0][0]).toEqual({ type: 'changed', resource: 'booking', id: 12, booking_id: 12, lot_id: 3, status: 'ACTIVE' });
    expect(h.onNotification).not.toHaveBeenCalled();
    expect(Object.values(notify).every((fn) => fn.mock.calls.length === 0)).toBe(true);
    conn.stop();
  });
});

describe('NotificationSocket: retries', () => {
  it('reports when the next attempt is due and how many failed; retryNow starts over', async () => {
    const { conn, h } = setup();
    await conn.start();
    FakeWebSocket.last.serverRefuse();
    // random 0.5: attempt 0 waits 250 ms.
    expect(h.onRetry).toHaveBeenLastCalledWith(Date.now() + 250, 1);
    vi.advanceTimersByTime(250);
    expect(h.onRetry).toHaveBeenLastCalledWith(null, 1);
    FakeWebSocket.last.serverRefuse();
    expect(h.onRetry).toHaveBeenLastCalledWith(Date.now() + 500, 2);
    const before = FakeWebSocket.instances.length;
    conn.retryNow();
    expect(FakeWebSocket.instances.length).toBe(before + 1);
    expect(h.onRetry).toHaveBeenLastCalledWith(null, 0);
    FakeWebSocket.last.serverRefuse();
    expect(h.onRetry).toHaveBeenLastCalledWith(Date.now() + 250, 1);
    conn.stop();
  });

  it('retryNow while an attempt is in flight starts the backoff over from that attempt', async () => {
    const { conn, h } = setup();
    await conn.start();
    FakeWebSocket.last.serverRefuse();
    vi.advanceTimersByTime(250); // the second attempt is connecting
    FakeWebSocket.last.serverRefuse();
    vi.advanceTimersByTime(500); // the third is connecting
    const before = FakeWebSocket.instances.length;
    conn.retryNow(); // during it: no second socket, the count starts over
    expect(FakeWebSocket.instances.length).toBe(before);
    expect(h.onRetry).toHaveBeenLastCalledWith(null, 0);
    FakeWebSocket.last.serverRefuse();
    expect(h.onRetry).toHaveBeenLastCalledWith(Date.now() + 250, 1);
    conn.stop();
  });
});

describe('NotificationSocket: the app toast route', () => {
  it('hands each new notification to the route instead of notify, once, in order', async () => {
    const route = vi.fn(() => Promise.resolve(true));
    const { conn, notify } = setup({ route });
    await conn.start();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend(notification(1, { type: 'success' }));
    ws.serverSend(notification(2, { type: 'bogus' })); // no level: a frame type this client does not know
    ws.serverSend(notification(3, { type: 'info' }));
    ws.serverSend(notification(1, { type: 'success' })); // a repeat
    await flush(20);
    expect(route.mock.calls.map((c) => [(c as unknown as [{ id: number; type: string }])[0].id, (c as unknown as [{ type: string }])[0].type])).toEqual([
      [1, 'success'],
      [3, 'info'],
    ]);
    expect(notify.success).not.toHaveBeenCalled();
    conn.stop();
  });
});

describe('NotificationSocket: displayed reports (Web Push)', () => {
  it('tells the server each new notification it received while the page was visible, in id order', async () => {
    let visible = true;
    const { conn } = setup({ pageVisible: () => visible });
    await conn.start();
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend(notification(4));
    ws.serverSend(notification(4)); // a repeat: not reported twice
    visible = false;
    ws.serverSend(notification(5)); // hidden: the user did not see it, so it may be pushed
    visible = true;
    ws.serverSend(notification(6));
    ws.serverSend({ type: 'changed', resource: 'booking', id: 7 }); // not a notification
    await flush(10);
    const displayed = ws.sent.map((s) => JSON.parse(s) as { type: string; ids?: number[] }).filter((f) => f.type === 'displayed');
    expect(displayed).toEqual([{ type: 'displayed', ids: [4] }, { type: 'displayed', ids: [6] }]);
    conn.stop();
  });
});
