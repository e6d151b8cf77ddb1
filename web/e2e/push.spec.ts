// Web Push in Chromium (issue 10): the real service worker (/sw.js, served by
// the binary) gets a push message through the DevTools protocol
// (ServiceWorker.deliverPushMessage), since Chromium cannot reach a real push
// service here, and shows it; a click on it reaches the open app tab with the
// booking to show.

import type { CDPSession, Page, Worker } from '@playwright/test';
import { expect, noBrowserErrors, test } from './fixtures';

interface Shown {
  title: string;
  body: string;
  tag: string;
  icon: string;
  requireInteraction: boolean;
  data: unknown;
}

/** shown lists the notifications the service worker's registration shows. */
function shown(page: Page): Promise<Shown[]> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      icon: n.icon,
      requireInteraction: n.requireInteraction,
      data: n.data as unknown,
    }));
  });
}

/**
 * activeRegistration waits until DevTools knows the registration of scope and
 * its worker is activated (a push dispatched while it activates is lost),
 * and returns the registration's id.
 */
async function activeRegistration(cdp: CDPSession, scope: string): Promise<string> {
  let id = '';
  const activated = new Set<string>();
  const found = new Promise<string>((resolve) => {
    const check = () => {
      if (id && activated.has(id)) resolve(id);
    };
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
      const r = e.registrations.find((x) => x.scopeURL === scope && !x.isDeleted);
      if (r) id = r.registrationId;
      check();
    });
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
      for (const v of e.versions) if (v.status === 'activated' && v.runningStatus === 'running') activated.add(v.registrationId);
      check();
    });
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}

test('the service worker shows a pushed notification, and a click opens its booking', async ({ server, actor, browserErrors }) => {
  const driver = await actor('driver', 'driver1');
  await driver.ctx.grantPermissions(['notifications'], { origin: server.base });
  const page = driver.page;
  await page.goto(server.base + '/');

  const scope = await test.step('register /sw.js for the whole app', async () => {
    const sw = await page.request.get(server.base + '/sw.js');
    expect(sw.status()).toBe(200);
    expect(sw.headers()['content-type']).toMatch(/^text\/javascript/);
    return page.evaluate(async () => {
      const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      await navigator.serviceWorker.ready;
      return reg.scope;
    });
  });
  expect(scope).toBe(server.base + '/');
  const cdp = await driver.ctx.newCDPSession(page);
  const regId = await activeRegistration(cdp, scope);

  const message = {
    id: 4242,
    type: 'warning',
    message: 'Your booking will expire in 5 minutes!',
    event: 'booking.expiring',
    data: { booking_id: 17, ends_at: new Date(Date.now() + 300_000).toISOString() },
    created_at: new Date().toISOString(),
  };
  await test.step('deliver a push message through DevTools', async () => {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.base, registrationId: regId, data: JSON.stringify(message) });
    await expect.poll(() => shown(page)).toEqual([
      {
        title: 'Your booking is about to expire',
        body: message.message,
        tag: '4242',
        icon: server.base + '/push-icons/warning.png',
        requireInteraction: true,
        data: { id: 4242, event: 'booking.expiring', booking_id: 17, url: '/?booking=17' },
      },
    ]);
  });

  await test.step('the same notification pushed again replaces it (tag = id); another one stays beside it', async () => {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.base, registrationId: regId, data: JSON.stringify(message) });
    const other = { ...message, id: 4243, type: 'success', event: 'booking.renewed', message: 'Booking renewed successfully!', data: { booking_id: 17 } };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.base, registrationId: regId, data: JSON.stringify(other) });
    await expect.poll(async () => (await shown(page)).map((n) => `${n.tag} ${n.title} ${n.icon.replace(server.base, '')}`).sort()).toEqual([
      '4242 Your booking is about to expire /push-icons/warning.png',
      '4243 Booking renewed /push-icons/success.png',
    ]);
  });

  await test.step('a click on it sends the open tab to the booking', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __opened: unknown[] };
      w.__opened = [];
      navigator.serviceWorker.onmessage = (e: MessageEvent) => w.__opened.push(e.data);
    });
    const worker: Worker = driver.ctx.serviceWorkers()[0] ?? (await driver.ctx.waitForEvent('serviceworker'));
    // DevTools cannot click a system notification: the test dispatches the
    // click event the browser would, with the shown notification.
    await worker.evaluate(async () => {
      const sw = self as unknown as {
        registration: { getNotifications(filter: { tag: string }): Promise<unknown[]> };
        NotificationEvent: new (type: string, init: { notification: unknown }) => Event;
        dispatchEvent(e: Event): boolean;
      };
      const [n] = await sw.registration.getNotifications({ tag: '4242' });
      sw.dispatchEvent(new sw.NotificationEvent('notificationclick', { notification: n }));
    });
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __opened: unknown[] }).__opened))
      .toEqual([{ type: 'parkmate:open-booking', booking_id: 17, notification_id: 4242 }]);
    await expect.poll(async () => (await shown(page)).map((n) => n.tag)).toEqual(['4243']);
  });

  await noBrowserErrors(browserErrors);
});
