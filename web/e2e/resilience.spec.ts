// What survives: a server restart (sockets resume, nothing lost or repeated),
// event 2 with two tabs of one browser (one toast, both inboxes), read state
// across tabs, a phone-sized screen, and logout reaching the other tab (4401).

import { expect, noBrowserErrors, test } from './fixtures';
import {
  adminCancel,
  assertExactly,
  bookSlot,
  closeInbox,
  createLot,
  expectToast,
  expectUnread,
  inboxItems,
  MSG,
  noToasts,
  openInbox,
  shot,
  sleep,
  tid,
  waitConnected,
  type InboxItem,
} from './helpers';

test('a server restart, event 2 in two tabs, read state across tabs, a phone-sized screen, logout', async ({ server, signedIn, browserErrors }) => {
  test.slow(); // one booking has to run out: about a minute of waiting
  // A new lot is announced to no one: the owner makes it before the others open the app.
  const owner = await signedIn('owner', 'owner1');
  await createLot(owner);
  const driver = await signedIn('driver', 'driver1');
  const admin = await signedIn('admin', 'admin1');
  const employee = await signedIn('employee', 'employee1');
  let bookingC = 0;
  let driverTab2 = driver.page;

  await test.step('history before the restart: event 8 to the owner, event 6 to the driver', async () => {
    const { id } = await bookSlot(driver, 1, 30);
    await expectToast(owner, 'info', MSG.created(1));
    await adminCancel(admin, id);
    await expectToast(driver, 'warning', MSG.cancelled);
    await expectUnread(driver.page, 1);
    await expectUnread(owner.page, 1);
  });

  await test.step('a server restart loses nothing: sockets resume, history intact, no repeats', async () => {
    const before: Record<'driver' | 'owner', InboxItem[]> = {
      driver: await inboxItems(driver.page),
      owner: await inboxItems(owner.page),
    };
    await server.stop();
    await driver.page.locator('[data-testid="ws-status"][data-state="disconnected"]').waitFor({ timeout: 15_000 });
    await server.start();
    for (const u of [driver, owner, admin, employee]) await waitConnected(u.page, 45_000);
    // A notification created right after the restart arrives, once.
    const { id } = await bookSlot(driver, 3, 1);
    bookingC = id;
    await expectToast(owner, 'info', MSG.created(3));
    await expectToast(driver, 'warning', MSG.expiring, { timeout: 10_000 });
    await assertExactly(owner, { settleMs: 3000 });
    await assertExactly(driver, { settleMs: 0 });
    const after = { driver: await inboxItems(driver.page), owner: await inboxItems(owner.page) };
    for (const who of ['driver', 'owner'] as const) {
      const ids = new Set(after[who].map((i) => i.id));
      const missing = before[who].filter((i) => !ids.has(i.id));
      expect(missing, `${who} lost notifications across the restart: ${JSON.stringify(missing)}`).toEqual([]);
    }
    expect(after.owner.length, `owner inbox: ${before.owner.length} → ${after.owner.length}, expected +1`).toBe(before.owner.length + 1);
    expect(
      after.driver.some((i) => i.event === 'booking.expiring' && !before.driver.some((b) => b.id === i.id)),
      'the new booking.expiring is in the driver inbox',
    ).toBe(true);
  });

  await test.step('event 2: the booking runs out; two tabs of one browser toast it once, both inboxes update', async () => {
    // A second tab of the driver's browser.
    driverTab2 = await driver.newTab('driver-tab2');
    await driverTab2.goto(server.base + '/');
    await waitConnected(driverTab2);
    await driverTab2.locator(`[data-testid="booking-card"][data-booking-id="${bookingC}"] [data-testid="countdown"]`).waitFor();
    const tabs = [driver.page, driverTab2];
    // Up to ~60 s for the 1-minute booking to end.
    const deadline = Date.now() + 100_000;
    let where = null;
    while (!where && Date.now() < deadline) {
      for (const t of tabs) {
        const n = await t.locator('[data-testid="toast"][data-level="info"]').filter({ hasText: MSG.expired }).count();
        if (n) where = t;
      }
      if (!where) await sleep(250);
    }
    if (!where) throw new Error('no expiry toast in either driver tab within 100 s');
    await expectToast(driver, 'info', MSG.expired, { page: where });
    // The second tab was opened after the warning: it must not warn again either.
    await assertExactly(driver, { settleMs: 4000, pages: tabs });
    for (const t of tabs) {
      await t.locator(`[data-testid="history-booking"][data-booking-id="${bookingC}"][data-status="EXPIRED"]`).waitFor({ timeout: 15_000 });
      const items = await inboxItems(t);
      expect(items.some((i) => i.event === 'booking.expired'), 'booking.expired is in each tab inbox').toBe(true);
    }
    await expectUnread(driver.page, 3);
    await expectUnread(driverTab2, 3);
  });

  await test.step('read state follows the user: mark all read in one tab, the other updates live', async () => {
    await openInbox(driverTab2);
    await tid(driverTab2, 'inbox-mark-all').click();
    await closeInbox(driverTab2);
    await expectUnread(driverTab2, 0);
    await expectUnread(driver.page, 0);
  });

  await test.step('a phone-sized screen works', async () => {
    const p = driver.page;
    await p.setViewportSize({ width: 390, height: 844 });
    await noToasts(p);
    await shot(p, 'driver-phone.png');
    await tid(p, 'inbox-bell').click();
    await tid(p, 'inbox-panel').waitFor();
    await shot(p, 'driver-phone-inbox.png');
    await closeInbox(p);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    expect(overflow, 'the page scrolls sideways on a phone-sized screen').toBe(false);
    await p.setViewportSize({ width: 1280, height: 860 });
  });

  await test.step('logout closes the socket; the other tab is signed out too (4401)', async () => {
    await tid(driver.page, 'logout').click();
    await tid(driver.page, 'login-form').waitFor();
    await tid(driverTab2, 'login-form').waitFor({ timeout: 15_000 });
    expect(await driverTab2.locator('[data-testid="ws-status"]').count(), 'the signed-out tab shows no connection').toBe(0);
  });

  await noBrowserErrors(browserErrors);
});
