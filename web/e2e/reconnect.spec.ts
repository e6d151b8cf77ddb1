// Being offline, and the messages that must not be missed: the
// "Reconnecting…" banner across a server restart (with its next retry time
// and "Retry now"), one refetch of what a page shows after the reconnect
// (and the lots watched again), and the expiry warning, which stays until
// dismissed and renews the booking from its own button.

import { expect, noBrowserErrors, test } from './fixtures';
import { attr, card, decisionFor, idle, lotOption, ownerLot, ownerRow, requestsSince, slot, toastCount, toastIn, visible } from './live-helpers';
import { bookSlot, createLot, everywhereWithin, MSG, tid, WITHIN } from './helpers';

test('the banner comes and goes across a server restart; the page refetches once and watches again', async ({ server, signedIn, browserErrors }) => {
  const owner = await signedIn('owner', 'owner1');
  await createLot(owner);
  const driver = await signedIn('driver', 'driver1');
  const d = driver.page, o = owner.page;
  const { id } = await bookSlot(driver, 1, 60);
  const banner = tid(d, 'reconnect-banner');
  await idle(d);

  await test.step('the server stops: after 2 s without a connection, the banner says so', async () => {
    await server.stop();
    await expect(d.locator('[data-testid="ws-status"][data-state="disconnected"]')).toHaveCount(1);
    await expect(banner, 'no banner in the first 2 s').toHaveCount(0);
    await expect(banner).toBeVisible({ timeout: 6000 });
    await expect(banner).toContainText('Reconnecting…');
    await expect(tid(d, 'reconnect-when')).toContainText(/Next try at \d|Trying now/);
    await expect(o.locator('[data-testid="reconnect-banner"]')).toBeVisible({ timeout: 6000 });
  });

  await test.step('"Retry now" tries at once: the backoff starts over', async () => {
    // Wait for a few refused attempts, with a retry scheduled.
    await expect(banner).toHaveAttribute('data-failed-attempts', /^([2-9]|\d\d+)$/, { timeout: 15_000 });
    await expect(banner).toHaveAttribute('data-next-retry', /^\d+$/);
    await tid(d, 'reconnect-now').click();
    // One attempt at once, refused: the count starts over from it.
    await expect(banner).toHaveAttribute('data-failed-attempts', '1', { timeout: 10_000 });
    await expect(banner).toHaveAttribute('data-next-retry', /^\d+$/);
  });

  await test.step('the server is back: the banner goes, and what the page shows is fetched once', async () => {
    const restarting = Date.now();
    await server.start();
    await expect(banner).toHaveCount(0, { timeout: 15_000 });
    await expect(d.locator('[data-testid="ws-status"][data-state="connected"]')).toHaveCount(1);
    await expect(o.locator('[data-testid="reconnect-banner"]')).toHaveCount(0, { timeout: 15_000 });
    await idle(d);
    // GET /api/me/ is also how a refused socket asks whether the session ended: not counted.
    const paths = requestsSince([driver], restarting)
      .filter((r) => r.method === 'GET' && !r.path.startsWith('/api/me/'))
      .map((r) => r.path.replace(/\?.*$/, ''));
    for (const want of ['/api/bookings/', `/api/bookings/${id}/`, '/api/lots/', '/api/lots/1/slots/', '/api/notifications/', '/api/notifications/unread-count/']) {
      expect(paths.filter((p) => p === want), `${want} refetched once after the reconnect: ${paths.join(' ')}`).toHaveLength(1);
    }
    expect(new Set(paths).size, `each query once: ${paths.join(' ')}`).toBe(paths.length);
  });

  await test.step('after the reconnect the socket watches the lot again and lists stay live', async () => {
    // The owner's count and the driver's grid move by slot frames alone (the lot is watched).
    await slot(d, 2).click();
    await tid(d, 'book-minutes').fill('30');
    await tid(d, 'book-submit').click();
    await everywhereWithin(WITHIN, [
      (t) => expect(ownerLot(o)).toHaveText('4', { timeout: t }),
      attr(lotOption(d), 'data-free', '4'),
      attr(slot(d, 2), 'data-free', 'false'),
      visible(o.locator('[data-testid="owner-booking"]').filter({ hasText: 'slot 2' })),
    ]);
    const before = await ownerRow(o, id).getAttribute('data-ends-at');
    await card(d, id).locator('[data-testid="renew-submit"]').click();
    await expect(ownerRow(o, id)).not.toHaveAttribute('data-ends-at', before!, { timeout: WITHIN });
  });

  await noBrowserErrors(browserErrors);
});

test('the expiry warning stays until dismissed and renews from its button; errors stay too', async ({ signedIn, browserErrors, allowHttpError }) => {
  const owner = await signedIn('owner', 'owner1');
  await createLot(owner);
  const driver = await signedIn('driver', 'driver1');
  const d = driver.page;
  // --expiry-warning 58s: a 1-minute booking warns about 2 s after it is made.
  const { id } = await bookSlot(driver, 1, 1);
  const warning = toastIn(d, 'warning', MSG.expiring);

  await test.step('the warning comes once, with a Renew button', async () => {
    await expect(warning).toBeVisible({ timeout: 10_000 });
    await expect(warning).toHaveAttribute('data-sticky', 'true');
    await expect(warning.getByRole('button', { name: `Renew booking #${id} by 30 minutes` })).toBeVisible();
  });

  await test.step('a toast that came after it has gone; the warning is still there', async () => {
    await card(d, id).locator('[data-testid="pay-method"]').selectOption('CASH');
    await card(d, id).locator('[data-testid="pay-submit"]').click();
    const info = toastIn(d, 'info', 'Cash payment recorded. The lot owner will verify it.');
    await expect(info).toBeVisible();
    await expect(info).toHaveCount(0, { timeout: 10_000 }); // success and info go after 4 s
    await expect(warning).toBeVisible();
    expect(await toastCount(d, MSG.expiring)).toBe(1);
  });

  await test.step('its Renew button renews the booking, confirmed here', async () => {
    const before = await card(d, id).getAttribute('data-ends-at');
    await warning.getByRole('button', { name: /^Renew booking/ }).click();
    await everywhereWithin(WITHIN, [
      (t) => expect(warning).toHaveCount(0, { timeout: t }),
      visible(toastIn(d, 'success', MSG.renewed)),
      (t) => expect(card(d, id)).not.toHaveAttribute('data-ends-at', before!, { timeout: t }),
      attr(card(d, id).locator('[data-testid="countdown"]'), 'data-state', 'ok'),
    ]);
    expect(await decisionFor(d, 'booking.renewed')).toBe('own');
    expect(await toastCount(d, MSG.renewed)).toBe(1);
  });

  await test.step('an error stays until its close button is clicked', async () => {
    allowHttpError('/renew/', 422);
    await card(d, id).locator('[data-testid="renew-minutes"]').fill('5000');
    await card(d, id).locator('[data-testid="renew-submit"]').click();
    const error = toastIn(d, 'error', MSG.renewFailed);
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('data-sticky', 'true');
    // A later info toast comes and goes; the error stays.
    await card(d, id).locator('[data-testid="carwash-order"]').click();
    const ordered = toastIn(d, 'info', /^Car wash \(.*\) ordered\.$/);
    await expect(ordered).toBeVisible();
    await expect(ordered).toHaveCount(0, { timeout: 10_000 });
    await expect(error).toBeVisible();
    await d.locator('.Toastify__toast').filter({ has: error }).locator('.Toastify__close-button').click();
    await expect(error).toHaveCount(0);
  });

  await noBrowserErrors(browserErrors);
});
