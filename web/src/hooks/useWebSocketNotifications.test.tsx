import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebSocket, flush, MemoryStorage, notification } from '../test/fakes';
import { useWebSocketNotifications, type UseWebSocketNotificationsOptions } from './useWebSocketNotifications';

function notifyMock() {
  return { success: vi.fn(), error: vi.fn(), warning: vi.fn(), info: vi.fn() };
}

function opts(over: Partial<UseWebSocketNotificationsOptions> = {}): UseWebSocketNotificationsOptions {
  return {
    WebSocketImpl: FakeWebSocket,
    baseUrl: 'ws://test.local',
    storage: new MemoryStorage(),
    claims: null,
    offline: true,
    pingIntervalMs: 0,
    random: () => 0.5,
    ...over,
  };
}

beforeEach(() => {
  FakeWebSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useWebSocketNotifications', () => {
  it('does nothing without a user', () => {
    const { result } = renderHook(() => useWebSocketNotifications(null, opts()));
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(result.current).toMatchObject({ isConnected: false, socket: null, nextRetryAt: null });
  });

  it('returns { isConnected, socket } and routes frames to notify[type](message)', async () => {
    const notify = notifyMock();
    const onNotification = vi.fn();
    const { result } = renderHook(() => useWebSocketNotifications(12, opts({ notify, onNotification })));
    await act(async () => flush());
    const ws = FakeWebSocket.last;
    expect(ws.url).toBe('ws://test.local/ws/notifications/12/?proto=2');
    expect(result.current.isConnected).toBe(false);
    act(() => ws.serverOpen());
    expect(result.current.isConnected).toBe(true);
    expect(result.current.socket).toBe(ws);
    await act(async () => {
      ws.serverSend(notification(1, { type: 'success', message: 'Your car wash is complete!' }));
      await flush(20);
    });
    expect(notify.success).toHaveBeenCalledWith('Your car wash is complete!');
    expect(onNotification).toHaveBeenCalledTimes(1);
    act(() => ws.serverClose(1006));
    expect(result.current.isConnected).toBe(false);
  });

  it('reconnects with since after a drop', async () => {
    const { result } = renderHook(() => useWebSocketNotifications(12, opts({ notify: notifyMock() })));
    await act(async () => flush());
    act(() => FakeWebSocket.last.serverOpen());
    await act(async () => {
      FakeWebSocket.last.serverSend(notification(8));
      await flush(20);
    });
    act(() => FakeWebSocket.last.serverClose(1001));
    act(() => {
      vi.advanceTimersByTime(1000);
    });
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(FakeWebSocket.last.params.get('since')).toBe('8');
    act(() => FakeWebSocket.last.serverOpen());
    expect(result.current.isConnected).toBe(true);
  });

  it('closes on unmount without a reconnect loop', async () => {
    const { unmount } = renderHook(() => useWebSocketNotifications(12, opts()));
    await act(async () => flush());
    const ws = FakeWebSocket.last;
    act(() => ws.serverOpen());
    unmount();
    expect(ws.closedWith?.code).toBe(1000);
    vi.advanceTimersByTime(120_000);
    window.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('closes on logout (user id goes null) and reconnects for the next user', async () => {
    const signedIn: { id: number | null } = { id: 12 };
    const { rerender, result } = renderHook(({ id }) => useWebSocketNotifications(id, opts()), { initialProps: signedIn });
    await act(async () => flush());
    const first = FakeWebSocket.last;
    act(() => first.serverOpen());
    rerender({ id: null });
    expect(first.closedWith?.code).toBe(1000);
    expect(result.current.isConnected).toBe(false);
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    rerender({ id: 13 });
    await act(async () => flush());
    expect(FakeWebSocket.last.url).toContain('/ws/notifications/13/');
  });

  it('4401 calls onSessionEnded and does not reconnect', async () => {
    const onSessionEnded = vi.fn();
    renderHook(() => useWebSocketNotifications(12, opts({ onSessionEnded })));
    await act(async () => flush());
    act(() => FakeWebSocket.last.serverOpen());
    act(() => FakeWebSocket.last.serverClose(4401));
    vi.advanceTimersByTime(120_000);
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('the latest handlers are used without reconnecting', async () => {
    const a = vi.fn();
    const b = vi.fn();
    const { rerender } = renderHook(({ h }) => useWebSocketNotifications(12, opts({ onRead: h })), { initialProps: { h: a } });
    await act(async () => flush());
    act(() => FakeWebSocket.last.serverOpen());
    rerender({ h: b });
    act(() => FakeWebSocket.last.serverSend({ type: 'read', ids: [1] }));
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledWith([1]);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
