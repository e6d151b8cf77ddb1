/* ParkMate's service worker (issue 10): it shows the notifications that
 * reach this browser by Web Push while no page of the app is looking, and
 * opens the booking when one is clicked. Plain JavaScript, no build step:
 * Vite copies it to dist/sw.js and the server serves it at /sw.js, so its
 * scope is the whole app ("/").
 *
 * A push message is the notification frame of the WebSocket:
 * {"id", "type", "message", "event", "data", "created_at"}.
 * Its tag is the notification id: the same notification never stays twice
 * (a repeated push replaces it, and the page closes it when it shows the
 * toast; see web/src/push/push.ts).
 */
'use strict';

const LEVELS = ['success', 'error', 'warning', 'info'];

/** Titles per event; other events take their level's title. */
const EVENT_TITLES = {
  'booking.expiring': 'Your booking is about to expire',
  'booking.expired': 'Your booking has expired',
  'booking.renewed': 'Booking renewed',
  'booking.renew_failed': 'Booking renewal failed',
  'booking.completed': 'Booking completed',
  'booking.cancelled_by_admin': 'Booking cancelled',
  'booking.cancelled_by_user': 'A driver cancelled a booking',
  'booking.created': 'New booking',
  'payment.verified': 'Payment verified',
  'payment.awaiting_verification': 'A cash payment awaits verification',
  'carwash.requested': 'Car wash requested',
  'carwash.completed': 'Car wash complete',
  'assignment.created': 'New assignment',
  'push.test': 'ParkMate notifications work',
};

const LEVEL_TITLES = {
  success: 'ParkMate',
  error: 'ParkMate: something failed',
  warning: 'ParkMate: attention',
  info: 'ParkMate',
};

/** notificationOf turns a push message's JSON into showNotification's arguments. */
function notificationOf(n) {
  const level = LEVELS.includes(n.type) ? n.type : 'info';
  const data = n.data && typeof n.data === 'object' ? n.data : {};
  const bookingId = Number.isInteger(data.booking_id) && data.booking_id > 0 ? data.booking_id : null;
  const id = Number.isInteger(n.id) && n.id > 0 ? n.id : null;
  const created = Date.parse(n.created_at);
  return {
    title: EVENT_TITLES[n.event] || LEVEL_TITLES[level],
    options: {
      body: typeof n.message === 'string' ? n.message : '',
      icon: `/push-icons/${level}.png`,
      tag: id === null ? `parkmate-${n.event || 'message'}` : String(id),
      timestamp: Number.isNaN(created) ? Date.now() : created,
      requireInteraction: n.event === 'booking.expiring',
      data: {
        id,
        event: n.event || '',
        booking_id: bookingId,
        url: bookingId === null ? '/' : `/?booking=${bookingId}`,
      },
    },
  };
}

self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('push', (event) => {
  let message = {};
  if (event.data) {
    try {
      message = event.data.json();
    } catch {
      message = { type: 'info', message: event.data.text() };
    }
  }
  const { title, options } = notificationOf(message || {});
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const work = openBooking(event.notification.data || {});
  try {
    event.waitUntil(work);
  } catch {
    // Only a click the browser dispatched may extend the worker's life.
  }
});

/**
 * openBooking tells an open app tab (the focused one first) to show the
 * booking and focuses it; with no tab open, it opens the app at
 * /?booking=ID (the app reads it, see web/src/push/push.ts).
 */
async function openBooking(data) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const mine = windows.filter((c) => new URL(c.url).origin === self.location.origin);
  const tab = mine.find((c) => c.focused) || mine[0];
  if (tab) {
    tab.postMessage({ type: 'parkmate:open-booking', booking_id: data.booking_id ?? null, notification_id: data.id ?? null });
    await tab.focus();
    return;
  }
  await self.clients.openWindow(new URL(data.url || '/', self.location.origin).href);
}

// The browser renewed the subscription: tell the server (the session
// cookie goes with a same-origin fetch), and forget the old one.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const json = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const config = await (await fetch('/api/push/config/')).json();
      const sub =
        event.newSubscription ||
        (await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: config.vapid_public_key }));
      await fetch('/api/push/subscriptions/', json(sub.toJSON()));
      if (event.oldSubscription) {
        await fetch('/api/push/subscriptions/', { ...json({ endpoint: event.oldSubscription.endpoint }), method: 'DELETE' });
      }
    })(),
  );
});
