// How a notification looks once the router chose this tab to show it: a
// toast of its level (the expiry warning with a "Renew" button), and, while
// the page is hidden and the user allowed it, a system notification (the
// browser's Notification API) that opens the booking it is about.

import type { QueryClient } from '@tanstack/react-query';
import { DEFAULT_RENEW_MINUTES, renewBooking } from './actions';
import { navigate } from './lib/route';
import notify, { type ToastOptions } from './notify';
import type { Notification } from './types';

/** bookingOf is the booking a notification is about (data.booking_id), if any. */
export function bookingOf(n: Pick<Notification, 'data'>): number | null {
  const id = Number(n.data?.['booking_id']);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** showNotificationToast toasts a notification in this tab. */
export function showNotificationToast(n: Notification, ctx: { qc: QueryClient; userId: number }): void {
  const opts: ToastOptions = {};
  const bookingId = bookingOf(n);
  if (n.event === 'booking.expiring' && bookingId !== null) {
    opts.action = {
      label: 'Renew',
      ariaLabel: `Renew booking #${bookingId} by ${DEFAULT_RENEW_MINUTES} minutes`,
      onClick: () => renewBooking(ctx.qc, ctx.userId, bookingId, DEFAULT_RENEW_MINUTES),
    };
  }
  notify[n.type](n.message, opts);
}

export interface SystemNotificationRecord {
  title: string;
  body: string;
  tag: string;
}

declare global {
  interface Window {
    /** The system notifications this page raised, newest last (read by tests). */
    __parkmateSystemNotifications?: SystemNotificationRecord[];
  }
}

/** systemNotificationsAllowed tells whether the user let this site show system notifications. */
export function systemNotificationsAllowed(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

/**
 * showSystemNotification raises a system notification for n when allowed;
 * clicking it brings the tab forward on the booking. False when it could not
 * (not allowed, or a browser that only allows them from a service worker).
 */
export function showSystemNotification(n: Notification): boolean {
  if (!systemNotificationsAllowed()) return false;
  // The service worker shows a push under the notification's id: the same tag
  // makes a later push of it replace this one instead of adding a second.
  const tag = n.id ? String(n.id) : `parkmate-${n.event ?? 'event'}-${bookingOf(n) ?? ''}`;
  const record: SystemNotificationRecord = { title: 'ParkMate', body: n.message, tag };
  try {
    const sn = new Notification(record.title, { body: record.body, tag, icon: './favicon.svg' });
    const bookingId = bookingOf(n);
    sn.onclick = () => {
      window.focus();
      if (bookingId !== null) navigate({ name: 'booking', id: bookingId });
      sn.close();
    };
  } catch {
    return false;
  }
  (window.__parkmateSystemNotifications ??= []).push(record);
  return true;
}
