// The toast policy across the tabs of one browser (shared fake Web Locks,
// storage and BroadcastChannel) and another device (its own).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelHub, FakeLocks, flush, MemoryStorage, notification } from '../test/fakes';
import type { Notification } from '../types';
import { ToastClaims } from './claims';
import { actionKey, OWN_ACTION_MS, TabPresence } from './presence';
import { ToastRouter, type Decision } from './toastRouter';

class Doc {
  visibilityState = 'visible';
  private fns = new Set<() => void>();
  addEventListener(_: string, fn: () => void) {
    this.fns.add(fn);
  }
  removeEventListener(_: string, fn: () => void) {
    this.fns.delete(fn);
  }
  set(state: 'visible' | 'hidden') {
    this.visibilityState = state;
    this.fns.forEach((fn) => fn());
  }
}

function browser(withLocks = true) {
  const storage = new MemoryStorage();
  const locks = new FakeLocks();
  const claimsHub = new ChannelHub();
  const presenceHub = new ChannelHub();
  const tab = (visible = true) => {
    const doc = new Doc();
    if (!visible) doc.visibilityState = 'hidden';
    const presence = new TabPresence(1, { locks: withLocks ? locks : undefined, channel: presenceHub.open(), doc });
    const claims = new ToastClaims(1, { storage, locks: withLocks ? locks : undefined, channel: claimsHub.open() });
    const toast = vi.fn<(n: Notification) => void>();
    const system = vi.fn<(n: Notification) => void>();
    const decisions: Decision[] = [];
    const router = new ToastRouter({ claims, presence, toast, system, onDecision: (_, d) => decisions.push(d) });
    return { doc, presence, claims, toast, system, router, decisions };
  };
  return { tab, locks };
}

const renewed = (id: number, booking = 5) => notification(id, { type: 'success', event: 'booking.renewed', message: 'Booking renewed successfully!', data: { booking_id: booking } }) as Notification;
const keys = (booking: number) => [actionKey('booking.renewed', booking), actionKey('booking.renew_failed', booking)];

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ToastRouter: your own action', () => {
  it('the tab that acted shows nothing more; the other tabs leave it to it', async () => {
    const { tab } = browser();
    const acting = tab();
    const other = tab();
    await acting.presence.begin(keys(5));
    // The frame reaches the other tab first, then the acting one.
    expect(await other.router.route(renewed(10))).toBe(false);
    expect(await acting.router.route(renewed(10))).toBe(false);
    expect(other.decisions).toEqual(['acting-elsewhere']);
    expect(acting.decisions).toEqual(['own']);
    expect(acting.toast).not.toHaveBeenCalled();
    expect(other.toast).not.toHaveBeenCalled();
  });

  it('in either order: once the acting tab had its frame it has claimed it, so a late tab does not show it', async () => {
    const { tab } = browser();
    const acting = tab();
    const late = tab();
    await acting.presence.begin(keys(5));
    await acting.router.route(renewed(11));
    expect(acting.presence.owns(actionKey('booking.renewed', 5))).toBe(false); // let go
    expect(await late.router.route(renewed(11))).toBe(false);
    expect(late.decisions).toEqual(['claimed']);
  });

  it('the same event from elsewhere later (after the wait) shows as usual', async () => {
    const { tab } = browser();
    const acting = tab();
    const other = tab();
    await acting.presence.begin(keys(5));
    vi.advanceTimersByTime(OWN_ACTION_MS + 1);
    await flush();
    expect(await other.router.route(renewed(12))).toBe(true);
    expect(other.toast).toHaveBeenCalledTimes(1);
  });

  it('another device knows nothing of the action: without the server\'s mark it shows the notification', async () => {
    const desk = browser().tab();
    const phone = browser().tab();
    await desk.presence.begin(keys(5));
    expect(await phone.router.route(renewed(13))).toBe(true);
    expect(await desk.router.route(renewed(13))).toBe(false);
  });

  it('another device shows no toast for what the server marks as the user\'s own action', async () => {
    const desk = browser().tab();
    const phone = browser().tab();
    await desk.presence.begin(keys(5));
    const own = notification(15, { type: 'success', event: 'booking.renewed', message: 'Booking renewed successfully!', data: { booking_id: 5, own_action: true } }) as Notification;
    expect(await phone.router.route(own)).toBe(false);
    expect(phone.decisions).toEqual(['acting-elsewhere']);
    expect(phone.toast).not.toHaveBeenCalled();
    expect(await desk.router.route(own)).toBe(false);
    expect(desk.decisions).toEqual(['own']);
  });

  it('without Web Locks, the BroadcastChannel carries the mark, and its end', async () => {
    const { tab } = browser(false);
    const acting = tab();
    const other = tab();
    await acting.presence.begin(keys(6));
    expect(await other.router.route(renewed(14, 6))).toBe(false);
    expect(other.decisions).toEqual(['acting-elsewhere']);
    await acting.router.route(renewed(14, 6));
    expect(await other.presence.actingElsewhere(actionKey('booking.renewed', 6))).toBe(false);
  });
});

describe('ToastRouter: notifications from elsewhere', () => {
  it('the visible tab shows it, a hidden tab leaves it, whatever the order', async () => {
    const { tab } = browser();
    const hidden = tab(false);
    const visible = tab(true);
    await flush();
    const n = notification(20, { event: 'payment.verified', data: { booking_id: 5 } }) as Notification;
    expect(await hidden.router.route(n)).toBe(false);
    expect(await visible.router.route(n)).toBe(true);
    expect(hidden.decisions).toEqual(['visible-elsewhere']);
    expect(hidden.system).not.toHaveBeenCalled();
    expect(visible.system).not.toHaveBeenCalled(); // the user is looking at it
  });

  it('with no visible tab, one hidden tab shows it, also as a system notification', async () => {
    const { tab } = browser();
    const a = tab(false);
    const b = tab(false);
    const n = notification(21) as Notification;
    const shown = await Promise.all([a.router.route(n), b.router.route(n)]);
    expect(shown.filter(Boolean)).toHaveLength(1);
    expect(a.system.mock.calls.length + b.system.mock.calls.length).toBe(1);
  });

  it('follows visibility changes', async () => {
    const { tab } = browser();
    const a = tab(true);
    const b = tab(false);
    await flush();
    a.doc.set('hidden');
    b.doc.set('visible');
    await flush();
    const n = notification(22) as Notification;
    expect(await a.router.route(n)).toBe(false);
    expect(a.decisions).toEqual(['visible-elsewhere']);
    expect(await b.router.route(n)).toBe(true);
  });

  it('two visible tabs: the first to claim shows it, once', async () => {
    const { tab } = browser();
    const a = tab();
    const b = tab();
    const n = notification(23) as Notification;
    expect([await a.router.route(n), await b.router.route(n)]).toEqual([true, false]);
  });

  it('a stale notification is listed, not shown', async () => {
    const a = browser().tab();
    expect(await a.router.route(notification(24) as Notification, { stale: true })).toBe(false);
    expect(a.decisions).toEqual(['stale']);
  });
});

describe('ToastRouter: the browser timer', () => {
  it('shares the claim with the server frame and the visibility rule', async () => {
    const { tab } = browser();
    const hidden = tab(false);
    const visible = tab(true);
    await flush();
    const warn = notification(0, { type: 'warning', event: 'booking.expiring', data: { booking_id: 5 } }) as Notification;
    expect(await hidden.router.routeTimer('e:booking.expiring:5:100', warn)).toBe(false);
    expect(await visible.router.routeTimer('e:booking.expiring:5:100', warn)).toBe(true);
    expect(await visible.router.routeTimer('e:booking.expiring:5:100', warn)).toBe(false);
  });
});

describe('TabPresence', () => {
  it('close lets go of every lock', async () => {
    const { tab, locks } = browser();
    const a = tab();
    await a.presence.begin(keys(9));
    await flush();
    expect(locks.isHeld('parkmate-act:booking.renewed:9')).toBe(true);
    expect(locks.isHeld('parkmate-visible:1')).toBe(true);
    a.presence.close();
    await flush();
    expect(locks.held.size).toBe(0);
  });

  it('ended restarts the wait from the answer', async () => {
    const a = browser().tab();
    await a.presence.begin(keys(9));
    vi.advanceTimersByTime(OWN_ACTION_MS - 10);
    a.presence.ended(keys(9));
    vi.advanceTimersByTime(OWN_ACTION_MS - 10);
    expect(a.presence.owns(actionKey('booking.renewed', 9))).toBe(true);
    vi.advanceTimersByTime(20);
    expect(a.presence.owns(actionKey('booking.renewed', 9))).toBe(false);
  });
});

describe('ToastRouter: sign-out', () => {
  it('close lets go of the presence; a getter gives the router a new one afterwards', async () => {
    const locks = new FakeLocks();
    const storage = new MemoryStorage();
    let current = new TabPresence(2, { locks });
    const presence = () => (current.isClosed ? (current = new TabPresence(2, { locks })) : current);
    const router = new ToastRouter({ claims: new ToastClaims(2, { storage, locks }), presence, toast: vi.fn() });
    await flush();
    expect(locks.isHeld('parkmate-visible:2')).toBe(true);
    router.close();
    await flush();
    expect(locks.isHeld('parkmate-visible:2')).toBe(false);
    expect(await router.route(notification(30) as Notification)).toBe(true);
    expect(current.isClosed).toBe(false);
  });
});
