// Web Push on this device (issue 10): the service worker /sw.js, the
// browser's push subscription, the server's API for it, and the pieces the
// socket and the app need. No React here; PushSettings.tsx is the panel.
//
// Server API (docs/api.md, "Web Push"):
//   GET  /api/push/config/                 {"vapid_public_key"}
//   POST|GET|DELETE /api/push/subscriptions/
//   POST /api/push/test/                   {"results": [...]}
//   GET|PUT /api/notification-preferences/ {"push": {event: bool}, "events": [...], "defaults": {...}}

import { request } from '../api';

export const SERVICE_WORKER_URL = '/sw.js';

/** Preferences is the answer of GET and PUT /api/notification-preferences/. */
export interface Preferences {
  push: Record<string, boolean>;
  events: string[];
  defaults: Record<string, boolean>;
}

export interface TestResult {
  endpoint: string;
  result: 'sent' | 'gone' | 'retry' | 'refused';
  status?: number;
}

/** Words for each event of the preferences panel. */
export const EVENT_LABELS: Record<string, string> = {
  'booking.expiring': 'A booking is about to expire',
  'booking.expired': 'A booking expired',
  'booking.renewed': 'A booking was renewed',
  'booking.renew_failed': 'A renewal failed',
  'booking.completed': 'A booking was completed',
  'booking.cancelled_by_admin': 'An administrator cancelled a booking',
  'payment.verified': 'A cash payment was verified',
  'booking.created': 'New booking at your lot',
  'carwash.completed': 'A car wash is complete',
  'assignment.created': 'An employee assignment',
  'payment.awaiting_verification': 'A cash payment awaits your verification',
  'carwash.requested': 'A car wash was requested at your lot',
  'booking.cancelled_by_user': 'A driver cancelled a booking at your lot',
};

/** eventLabel says an event in words (its name when unknown). */
export function eventLabel(event: string): string {
  return EVENT_LABELS[event] ?? event;
}

/** PushState is what this device can do and has done. */
export type PushState =
  | 'unsupported' // no service worker, Push API or Notification API (or not a secure context)
  | 'denied' // the user blocked notifications for this site
  | 'off' // allowed or not asked yet, but not subscribed
  | 'on'; // subscribed

/** pushSupported reports whether this browser, on this page, can receive pushes. */
export function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    window.isSecureContext &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window
  );
}

/** urlBase64ToUint8Array decodes base64url (the VAPID key) into bytes. */
export function urlBase64ToUint8Array(s: string): Uint8Array<ArrayBuffer> {
  const padded = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const raw = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** registerServiceWorker registers /sw.js for the whole app (idempotent). */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' });
  return navigator.serviceWorker.ready;
}

/** pushState reads this device's state without asking anything. */
export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await navigator.serviceWorker.getRegistration('/');
  const sub = await reg?.pushManager.getSubscription();
  return sub ? 'on' : 'off';
}

/**
 * enablePush asks for permission (call it from a click), subscribes with the
 * server's VAPID key and registers the subscription with the server.
 */
export async function enablePush(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
  const reg = await registerServiceWorker();
  const { vapid_public_key: key } = await request<{ vapid_public_key: string }>('/push/config/');
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub, key)) {
    await sub.unsubscribe(); // made for another server key
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(key) });
  await request('/push/subscriptions/', { method: 'POST', body: sub.toJSON() });
  return 'on';
}

function sameKey(sub: PushSubscription, key: string): boolean {
  const have = sub.options.applicationServerKey;
  if (!have) return false;
  const want = urlBase64ToUint8Array(key);
  const a = new Uint8Array(have);
  return a.length === want.length && a.every((b, i) => b === want[i]);
}

/**
 * disablePush removes this device's subscription, from the server and the
 * browser. Call it on sign-out too, so a shared device stops getting the
 * previous user's notifications.
 */
export async function disablePush(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  const reg = await navigator.serviceWorker.getRegistration('/');
  const sub = await reg?.pushManager.getSubscription();
  if (sub) {
    try {
      await request('/push/subscriptions/', { method: 'DELETE', body: { endpoint: sub.endpoint } });
    } finally {
      await sub.unsubscribe();
    }
  }
  return 'off';
}

/** sendTestPush asks the server to push a test notification to every device of the user. */
export async function sendTestPush(): Promise<TestResult[]> {
  const { results } = await request<{ results: TestResult[] }>('/push/test/', { method: 'POST' });
  return results;
}

export function getPreferences(): Promise<Preferences> {
  return request<Preferences>('/notification-preferences/');
}

/** setPreference turns pushing one event on or off and returns every preference. */
export function setPreference(event: string, push: boolean): Promise<Preferences> {
  return request<Preferences>('/notification-preferences/', { method: 'PUT', body: { push: { [event]: push } } });
}

/**
 * displayedFrame is the proto=2 socket frame that tells the server which
 * notifications this page showed while visible, so they are not pushed.
 * The server takes at most 100 ids per frame (--max-displayed-ids).
 */
export function displayedFrames(ids: number[], perFrame = 100): string[] {
  const frames: string[] = [];
  for (let i = 0; i < ids.length; i += perFrame) {
    frames.push(JSON.stringify({ type: 'displayed', ids: ids.slice(i, i + perFrame) }));
  }
  return frames;
}

/** pageVisible reports whether the user can see this page now. */
export function pageVisible(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'visible';
}

/**
 * closePushedNotification closes the system notification of a notification id
 * once the page shows it as a toast: a push and a toast of one id never both stay.
 */
export async function closePushedNotification(id: number): Promise<void> {
  if (!pushSupported()) return;
  const reg = await navigator.serviceWorker.getRegistration('/');
  const shown = (await reg?.getNotifications({ tag: String(id) })) ?? [];
  shown.forEach((n) => n.close());
}

/** bookingFromURL reads ?booking=ID, the URL the service worker opens for a clicked notification. */
export function bookingFromURL(search: string): number | null {
  const v = new URLSearchParams(search).get('booking');
  if (v === null || !/^[1-9][0-9]{0,15}$/.test(v)) return null;
  return Number(v);
}

/**
 * onOpenBooking calls fn when the service worker asks this (already open)
 * tab to show a booking, after a click on a notification; it returns the
 * unsubscribe.
 */
export function onOpenBooking(fn: (bookingId: number | null, notificationId: number | null) => void): () => void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return () => undefined;
  const listener = (e: MessageEvent) => {
    const d = e.data as { type?: string; booking_id?: number | null; notification_id?: number | null } | null;
    if (d?.type === 'parkmate:open-booking') fn(d.booking_id ?? null, d.notification_id ?? null);
  };
  navigator.serviceWorker.addEventListener('message', listener);
  navigator.serviceWorker.startMessages(); // deliver messages sent before the page was ready
  return () => navigator.serviceWorker.removeEventListener('message', listener);
}
