import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renewBooking, RENEWED_MESSAGE } from './actions';
import { api, ApiError } from './api';
import { actionKey, sharedPresence } from './lib/presence';
import { queryKeys } from './lib/queries';
import notify from './notify';
import { showNotificationToast, showSystemNotification } from './toasts';
import type { Booking, Notification } from './types';

const n = (over: Partial<Notification>): Notification => ({ id: 3, type: 'warning', message: 'Your booking will expire in 5 minutes!', event: 'booking.expiring', data: { booking_id: 9 }, created_at: '2030-01-01T00:00:00Z', ...over });
const booking = { id: 9, status: 'ACTIVE', ends_at: '2030-01-01T01:00:00Z' } as Booking;

beforeEach(() => {
  window.__parkmateSystemNotifications = [];
});
afterEach(() => {
  sharedPresence(1).close();
  vi.unstubAllGlobals();
});

describe('showNotificationToast', () => {
  it('gives the expiry warning a Renew button that renews the booking from this tab', async () => {
    const warning = vi.spyOn(notify, 'warning').mockReturnValue('t');
    const success = vi.spyOn(notify, 'success').mockReturnValue('t');
    const renew = vi.spyOn(api, 'renew').mockResolvedValue(booking);
    const qc = new QueryClient();
    showNotificationToast(n({}), { qc, userId: 1 });
    const opts = warning.mock.calls[0][1]!;
    expect(opts.action?.label).toBe('Renew');
    expect(opts.action?.ariaLabel).toBe('Renew booking #9 by 30 minutes');
    await opts.action!.onClick();
    expect(renew).toHaveBeenCalledWith(9, 30);
    expect(success).toHaveBeenCalledWith(RENEWED_MESSAGE);
  });

  it('other notifications are plain toasts of their level', () => {
    const info = vi.spyOn(notify, 'info').mockReturnValue('t');
    showNotificationToast(n({ type: 'info', event: 'booking.created', message: 'New booking' }), { qc: new QueryClient(), userId: 1 });
    expect(info).toHaveBeenCalledWith('New booking', {});
  });
});

describe('renewBooking', () => {
  it('marks the action as this tab’s before the request, and patches the booking', async () => {
    const presence = sharedPresence(1);
    let ownedDuring = false;
    vi.spyOn(api, 'renew').mockImplementation(() => {
      ownedDuring = presence.owns(actionKey('booking.renewed', 9)) && presence.owns(actionKey('booking.renew_failed', 9));
      return Promise.resolve({ ...booking, ends_at: '2030-01-01T01:30:00Z' });
    });
    vi.spyOn(notify, 'success').mockReturnValue('t');
    const qc = new QueryClient();
    qc.setQueryData(queryKeys.booking(9), { ...booking, payments: [] });
    await renewBooking(qc, 1, 9, 30);
    expect(ownedDuring).toBe(true);
    expect(qc.getQueryData<Booking>(queryKeys.booking(9))).toMatchObject({ ends_at: '2030-01-01T01:30:00Z', payments: [] });
  });

  it('a refusal the server also notifies is worded as the server words it', async () => {
    vi.spyOn(api, 'renew').mockRejectedValue(new ApiError(422, 'max_length_exceeded', 'A booking may last at most 24 hours.'));
    const error = vi.spyOn(notify, 'error').mockReturnValue('t');
    expect(await renewBooking(new QueryClient(), 1, 9, 5000)).toBeNull();
    expect(error).toHaveBeenCalledWith('Booking renewal failed: A booking may last at most 24 hours.');
    expect(sharedPresence(1).owns(actionKey('booking.renew_failed', 9))).toBe(true); // its frame is still to come
  });

  it('a refusal without a notification lets go of the mark at once', async () => {
    vi.spyOn(api, 'renew').mockRejectedValue(new ApiError(422, 'validation_failed', 'minutes must be at least 1.'));
    const error = vi.spyOn(notify, 'error').mockReturnValue('t');
    await renewBooking(new QueryClient(), 1, 9, 0);
    expect(error).toHaveBeenCalledWith('minutes must be at least 1.');
    expect(sharedPresence(1).owns(actionKey('booking.renewed', 9))).toBe(false);
  });
});

describe('showSystemNotification', () => {
  function stubNotification(permission: NotificationPermission) {
    const made: Array<{ title: string; opts: NotificationOptions; onclick: (() => void) | null }> = [];
    class FakeNotification {
      static permission = permission;
      onclick: (() => void) | null = null;
      constructor(title: string, opts: NotificationOptions) {
        made.push(Object.assign(this, { title, opts }));
      }
      close() {}
    }
    vi.stubGlobal('Notification', FakeNotification);
    return made;
  }

  it('raises one when allowed; clicking it opens the booking', () => {
    const made = stubNotification('granted');
    vi.spyOn(window, 'focus').mockImplementation(() => {});
    expect(showSystemNotification(n({ id: 44 }))).toBe(true);
    expect(made).toHaveLength(1);
    expect(made[0].title).toBe('ParkMate');
    expect(made[0].opts).toMatchObject({ body: 'Your booking will expire in 5 minutes!', tag: '44' });
    made[0].onclick!();
    expect(location.hash).toBe('#/booking/9');
    expect(window.__parkmateSystemNotifications).toHaveLength(1);
  });

  it('raises none when not allowed, or where the API is missing', () => {
    const made = stubNotification('default');
    expect(showSystemNotification(n({}))).toBe(false);
    expect(made).toHaveLength(0);
    vi.stubGlobal('Notification', undefined);
    expect(showSystemNotification(n({}))).toBe(false);
  });
});
