// Which tab tells the user: the visible one; with none visible, one hidden
// tab, also as a system notification when the user allowed them. Headless
// Chromium shows every page as visible, so a tab is "hidden" here by its
// document's visibilityState (as the browser reports it when the tab is in
// the background) and a visibilitychange event.

import type { Page } from '@playwright/test';
import { expect, noBrowserErrors, test } from './fixtures';
import { card, decisionFor, pendingPayment, washRow } from './live-helpers';
import { bookSlot, createLot, tid, waitConnected } from './helpers';

async function hide(p: Page): Promise<void> {
  await p.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

const systemNotifications = (p: Page) =>
  p.evaluate(() => (window as unknown as { __parkmateSystemNotifications?: Array<{ body: string }> }).__parkmateSystemNotifications ?? []);

test('the visible tab shows a notification; with every tab hidden, one raises a system notification', async ({ server, signedIn, browserErrors }) => {
  const owner = await signedIn('owner', 'owner1');
  await createLot(owner);
  const driver = await signedIn('driver', 'driver1');
  await driver.ctx.grantPermissions(['notifications'], { origin: server.base });
  const front = driver.page;
  const back = await driver.newTab('driver (background tab)');
  await back.goto(server.base + '/');
  await waitConnected(back);
  const { id } = await bookSlot(driver, 1, 60);
  const o = owner.page;

  await test.step('settings: system notifications are allowed in this browser; the push panel is there', async () => {
    await back.goto(server.base + '/#/settings');
    await expect(tid(back, 'system-permission')).toHaveAttribute('data-permission', 'granted');
    await expect(tid(back, 'push-settings')).toBeVisible();
    await expect(tid(back, 'push-state')).toHaveAttribute('data-state', /^(off|on|unsupported)$/);
  });

  await test.step('the URL a clicked push opens (/?booking=ID) shows that booking', async () => {
    await back.goto(`${server.base}/?booking=${id}`);
    await expect(back.locator(`[data-testid="booking-page"][data-booking-id="${id}"]`)).toBeVisible();
    await expect(back).toHaveURL(`${server.base}/#/booking/${id}`);
    await tid(back, 'back').click();
    await waitConnected(back);
  });

  await test.step('one tab in the background: the visible tab shows it, the hidden one does not', async () => {
    await hide(back);
    await card(front, id).locator('[data-testid="pay-method"]').selectOption('CASH');
    await card(front, id).locator('[data-testid="pay-submit"]').click();
    await pendingPayment(o, id).locator('[data-testid="verify-payment"]').click();
    expect(await decisionFor(back, 'payment.verified')).toBe('visible-elsewhere');
    expect(await decisionFor(front, 'payment.verified')).toBe('shown');
    expect(await systemNotifications(back)).toEqual([]);
    expect(await systemNotifications(front)).toEqual([]); // the user is looking at it
  });

  await test.step('every tab in the background: one of them shows it, and raises a system notification', async () => {
    await hide(front);
    await card(front, id).locator('[data-testid="carwash-service"]').selectOption('full');
    await card(front, id).locator('[data-testid="carwash-order"]').click();
    await washRow(o, id).locator('[data-testid="complete-carwash"]').click();
    const decisions = [await decisionFor(front, 'carwash.completed'), await decisionFor(back, 'carwash.completed')];
    expect(decisions.filter((d) => d === 'shown'), decisions.join(', ')).toHaveLength(1);
    const raised = [...(await systemNotifications(front)), ...(await systemNotifications(back))];
    expect(raised.map((r) => r.body)).toEqual(['Your car wash is complete!']);
  });

  await noBrowserErrors(browserErrors);
});
