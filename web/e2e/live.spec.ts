// Live screens: six browser contexts (one driver on a desktop, with a second
// tab, and on a phone; a second driver; the owner; an employee; the admin)
// watch one lot while its bookings change. Every change appears on every
// screen that shows it within 2 s (the requirement: each check's timeout is
// the time left of 2 s from the action), without a reload; nothing is
// fetched while nobody acts; the confirmation of an action shows in the tab
// that acted and in no other tab of that browser.

import { expect, noBrowserErrors, test } from './fixtures';
import {
  attr, card, decisionFor, dismissToasts, gone, historyRow, lotOption, ownerLot, ownerRow, adminRow, pendingPayment,
  phoneLayoutIsClean, requestsSince, slot, text, toastCount, toastIn, visible, washRow,
} from './live-helpers';
import { createLot, everywhereWithin, LOT, MSG, PHONE, shot, sleep, tid, waitConnected, WITHIN, type Actor } from './helpers';

test('every change shows on every screen that shows it within 2 s, without a reload', async ({ server, signedIn, browserErrors }) => {
  test.slow();
  // A new lot is announced to no one: the owner makes it before the others open the app.
  const owner = await signedIn('owner', 'owner1');
  await createLot(owner);
  const desk = await signedIn('driver1 (desktop)', 'driver1');
  const phone = await signedIn('driver1 (phone)', 'driver1', PHONE);
  const other = await signedIn('driver2', 'driver2');
  const employee = await signedIn('employee', 'employee1');
  const admin = await signedIn('admin', 'admin1');
  const actors: Actor[] = [owner, desk, phone, other, employee, admin];
  const tab2 = await desk.newTab('driver1 (desktop, tab 2)');
  await tab2.goto(server.base + '/');
  await waitConnected(tab2);
  const d = desk.page, p = phone.page, o = owner.page, e = employee.page, a = admin.page, x = other.page;
  const drivers = [d, tab2, p];
  // The lot is the only one: every driver page shows its slots.
  for (const pg of [...drivers, x]) await expect(slot(pg, 6)).toHaveAttribute('data-free', 'true');
  let mine = 0;
  let theirs = 0;

  await test.step('a new lot appears on every page that lists lots', async () => {
    await tid(o, 'lot-name').fill('North');
    await tid(o, 'lot-slots').fill('4');
    await tid(o, 'lot-create').click();
    const north = (pg: typeof d) => pg.locator('[data-testid="lot-option"][data-lot-name="North"]');
    await everywhereWithin(WITHIN, [
      ...[...drivers, x].map((pg) => attr(north(pg), 'data-free', '4')),
      visible(o.locator('[data-testid="owner-lot"][data-lot-name="North"]')),
      (t) => expect(a.locator('[data-testid="assign-lot"] option', { hasText: 'North' })).toHaveCount(1, { timeout: t }),
    ]);
    // What was open stays open.
    for (const pg of [...drivers, x]) await expect(pg.locator('[data-testid="book-form"] h3')).toHaveText(`${LOT}: pick a free slot`);
  });

  await test.step('a booking: the driver books slot 2 on the desktop', async () => {
    await slot(d, 2).click();
    await tid(d, 'book-minutes').fill('60');
    await tid(d, 'book-submit').click();
    const booked = (pg: typeof d) => pg.locator('[data-testid="booking-card"][data-status="ACTIVE"]').filter({ hasText: 'slot 2' });
    await everywhereWithin(WITHIN, [
      ...drivers.map((pg) => visible(booked(pg))),
      ...[...drivers, x].map((pg) => attr(slot(pg, 2), 'data-free', 'false')),
      ...[...drivers, x].map((pg) => attr(lotOption(pg), 'data-free', '5')),
      visible(o.locator('[data-testid="owner-booking"][data-status="ACTIVE"]').filter({ hasText: 'slot 2' })),
      text(ownerLot(o), '5'),
      visible(a.locator('[data-testid="admin-booking"]').filter({ hasText: 'slot 2' })),
      visible(toastIn(o, 'info', MSG.created(2))),
    ]);
    mine = Number(await booked(d).getAttribute('data-booking-id'));
    // The phone sees the booking as its own: slot 2 is taken, not offered.
    await expect(slot(p, 2)).toBeDisabled();
  });

  await test.step('a renewal: confirmed in the tab that acted, and in no other tab of that browser', async () => {
    const before = await card(d, mine).getAttribute('data-ends-at');
    await card(d, mine).locator('[data-testid="renew-minutes"]').fill('30');
    await card(d, mine).locator('[data-testid="renew-submit"]').click();
    const renewed = (l: ReturnType<typeof card>) => (timeout: number) => expect(l).not.toHaveAttribute('data-ends-at', before!, { timeout });
    await everywhereWithin(WITHIN, [
      visible(toastIn(d, 'success', MSG.renewed)),
      ...drivers.map((pg) => renewed(card(pg, mine))),
      renewed(ownerRow(o, mine)),
      renewed(adminRow(a, mine)),
    ]);
    // The server's booking.renewed reached every tab: the acting one knew it
    // as its own, the other tab of that browser left it to the acting one
    // (it saw the action's lock held, or, if the acting tab's copy came
    // first, the acting tab's claim on it).
    expect(await decisionFor(d, 'booking.renewed')).toBe('own');
    expect(['acting-elsewhere', 'claimed']).toContain(await decisionFor(tab2, 'booking.renewed'));
    expect(await toastCount(d, MSG.renewed)).toBe(1);
    expect(await toastCount(tab2, MSG.renewed)).toBe(0);
    // The phone is another device: the server marks the renewal as the
    // driver's own action, so the phone lists it in its inbox and shows no toast.
    expect(await decisionFor(p, 'booking.renewed')).toBe('acting-elsewhere');
    expect(await toastCount(p, MSG.renewed)).toBe(0);
  });

  await test.step('a cash payment, then its verification', async () => {
    await card(d, mine).locator('[data-testid="pay-method"]').selectOption('CASH');
    await card(d, mine).locator('[data-testid="pay-submit"]').click();
    await everywhereWithin(WITHIN, [
      ...drivers.map((pg) => attr(card(pg, mine).locator('[data-testid="booking-payment"]'), 'data-status', 'PENDING')),
      ...drivers.map((pg) => attr(card(pg, mine).locator('[data-testid="pay-form"]'), 'data-pay-state', 'pending')),
      visible(pendingPayment(o, mine).filter({ hasText: 'driver1' })),
      attr(ownerRow(o, mine), 'data-payment-status', 'PENDING'),
      attr(adminRow(a, mine), 'data-payment-status', 'PENDING'),
      visible(toastIn(o, 'info', MSG.awaitingVerification(mine))),
    ]);
    await phoneLayoutIsClean(p, 'the driver with a booking');
    await pendingPayment(o, mine).locator('[data-testid="verify-payment"]').click();
    await everywhereWithin(WITHIN, [
      gone(pendingPayment(o, mine)),
      ...drivers.map((pg) => attr(card(pg, mine).locator('[data-testid="booking-payment"]'), 'data-status', 'VERIFIED')),
      ...drivers.map((pg) => attr(card(pg, mine).locator('[data-testid="pay-form"]'), 'data-pay-state', 'paid')),
      ...drivers.map((pg) => (timeout: number) => expect(card(pg, mine).locator('[data-testid="pay-submit"]')).toBeDisabled({ timeout })),
      attr(ownerRow(o, mine), 'data-payment-status', 'VERIFIED'),
      attr(adminRow(a, mine), 'data-payment-status', 'VERIFIED'),
      visible(toastIn(p, 'success', MSG.verified)),
    ]);
    // One of the two desktop tabs shows it, not both.
    const shown = [await decisionFor(d, 'payment.verified'), await decisionFor(tab2, 'payment.verified')];
    expect(shown.filter((s) => s === 'shown'), `desktop tabs: ${shown.join(', ')}`).toHaveLength(1);
  });

  await test.step('an assignment: the admin puts the employee on the lot', async () => {
    await tid(a, 'assign-employee').selectOption({ label: 'employee1' });
    await tid(a, 'assign-lot').selectOption({ label: LOT });
    await tid(a, 'assign-submit').click();
    await everywhereWithin(WITHIN, [
      visible(a.locator('[data-testid="assignment"][data-employee="employee1"]')),
      visible(o.locator('[data-testid="owner-assignments"] [data-testid="assignment"][data-employee="employee1"]')),
      visible(e.locator('[data-testid="employee-assignments"] [data-testid="assignment"]').filter({ hasText: LOT })),
      visible(toastIn(o, 'info', MSG.assignedOwner)),
      visible(toastIn(e, 'info', MSG.assignedEmployee)),
    ]);
  });

  await test.step('a car wash: ordered by the driver, completed by the employee', async () => {
    for (const pg of [o, d, p]) await dismissToasts(pg); // for the pictures below
    await card(d, mine).locator('[data-testid="carwash-service"]').selectOption('full');
    await card(d, mine).locator('[data-testid="carwash-order"]').click();
    await everywhereWithin(WITHIN, [
      ...drivers.map((pg) => attr(card(pg, mine).locator('[data-testid="booking-carwash"]'), 'data-status', 'REQUESTED')),
      visible(washRow(o, mine).filter({ hasText: 'driver1' })),
      visible(washRow(e, mine).filter({ hasText: 'driver1' })),
      visible(toastIn(o, 'info', MSG.washRequested(mine, 2))),
      visible(toastIn(e, 'info', MSG.washRequested(mine, 2))),
    ]);
    await shot(o, 'owner-live.png');
    await shot(d, 'driver-live.png');
    await shot(p, 'driver-phone-live.png');
    await washRow(e, mine).locator('[data-testid="complete-carwash"]').click();
    await everywhereWithin(WITHIN, [
      gone(washRow(e, mine)),
      visible(tid(e, 'carwashes-done')),
      gone(washRow(o, mine)),
      ...drivers.map((pg) => attr(card(pg, mine).locator('[data-testid="booking-carwash"]'), 'data-status', 'COMPLETED')),
      visible(toastIn(p, 'success', MSG.washed)),
    ]);
  });

  await test.step('another driver takes a slot that is on screen', async () => {
    // The desktop has slot 3 picked, about to book it.
    await slot(d, 3).click();
    await expect(slot(d, 3)).toHaveAttribute('aria-pressed', 'true');
    await slot(x, 3).click();
    await tid(x, 'book-minutes').fill('60');
    await tid(x, 'book-submit').click();
    await everywhereWithin(WITHIN, [
      ...[...drivers, x].map((pg) => attr(slot(pg, 3), 'data-free', 'false')),
      ...[...drivers, x].map((pg) => attr(lotOption(pg), 'data-free', '4')),
      attr(slot(d, 3), 'aria-pressed', 'false'),
      text(ownerLot(o), '4'),
      visible(o.locator('[data-testid="owner-booking"]').filter({ hasText: 'driver2' })),
      visible(a.locator('[data-testid="admin-booking"]').filter({ hasText: 'driver2' })),
    ]);
    await expect(tid(d, 'book-submit')).toBeDisabled();
    theirs = Number(await x.locator('[data-testid="booking-card"][data-status="ACTIVE"]').getAttribute('data-booking-id'));
  });

  await test.step('the other driver cancels: the owner is told, the slot is free again', async () => {
    await card(x, theirs).locator('[data-testid="cancel-own-booking"]').click();
    await x.getByRole('alertdialog').getByRole('button', { name: 'Cancel booking' }).click();
    await everywhereWithin(WITHIN, [
      ...[...drivers, x].map((pg) => attr(slot(pg, 3), 'data-free', 'true')),
      attr(ownerRow(o, theirs), 'data-status', 'CANCELLED_BY_USER'),
      gone(adminRow(a, theirs)),
      visible(toastIn(o, 'info', MSG.cancelledByUser('driver2', theirs, 3))),
      attr(historyRow(x, theirs), 'data-status', 'CANCELLED_BY_USER'),
    ]);
  });

  await test.step('an admin cancellation, confirmed in an accessible dialog', async () => {
    await adminRow(a, mine).locator('[data-testid="admin-cancel"]').click();
    const dialog = a.getByRole('alertdialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Keep booking' })).toBeFocused();
    await a.keyboard.press('Tab');
    await expect(dialog.getByRole('button', { name: 'Cancel booking' })).toBeFocused();
    await a.keyboard.press('Tab');
    await expect(dialog.getByRole('button', { name: 'Keep booking' })).toBeFocused();
    await a.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(adminRow(a, mine)).toBeVisible();
    await adminRow(a, mine).locator('[data-testid="admin-cancel"]').click();
    await dialog.getByRole('button', { name: 'Cancel booking' }).click();
    await everywhereWithin(WITHIN, [
      gone(adminRow(a, mine)),
      ...drivers.map((pg) => gone(card(pg, mine))),
      ...drivers.map((pg) => attr(historyRow(pg, mine), 'data-status', 'CANCELLED_BY_ADMIN')),
      ...drivers.map((pg) => attr(historyRow(pg, mine).locator('[data-testid="history-times"]'), 'data-ended-at', /^\d{4}-/)),
      ...[...drivers, x].map((pg) => attr(slot(pg, 2), 'data-free', 'true')),
      attr(ownerRow(o, mine), 'data-status', 'CANCELLED_BY_ADMIN'),
      text(ownerLot(o), '6'),
      visible(toastIn(p, 'warning', MSG.cancelled)),
    ]);
  });

  await test.step('30 s without a user action: no page makes a REST request, and none was reloaded', async () => {
    const from = Date.now();
    await sleep(30_000); // the requirement's window; the count below is the check
    const made = requestsSince(actors, from);
    expect(made, `REST requests while nobody acted: ${JSON.stringify(made)}`).toEqual([]);
    for (const u of actors) {
      const pages = u === desk ? 2 : 1;
      expect(u.loads.length, `${u.name} loaded ${u.loads.length} times`).toBe(pages);
    }
  });

  await test.step('the inbox opens the booking an item is about', async () => {
    await tid(o, 'inbox-bell').click();
    await o.locator(`[data-testid="inbox-item"][data-event="payment.awaiting_verification"] [data-testid="inbox-open"]`).click();
    await expect(o.locator(`[data-testid="booking-page"][data-booking-id="${mine}"]`)).toBeVisible();
    await expect(o.locator('[data-testid="booking-details"] [data-testid="booking-status"]')).toHaveAttribute('data-status', 'CANCELLED_BY_ADMIN');
    await expect(o.locator('[data-testid="booking-details"] [data-testid="booking-payment"]')).toHaveAttribute('data-status', 'VERIFIED');
    await tid(o, 'back').click();
    await expect(tid(o, 'owner-page')).toBeVisible();
  });

  await test.step('the tab title shows the unread count', async () => {
    const unread = Number(await tid(e, 'inbox-count').getAttribute('data-count'));
    expect(unread).toBeGreaterThan(0);
    await expect(e).toHaveTitle(`(${unread}) ParkMate Notify`);
  });

  await test.step('every page at phone size: no wrapped button, nothing sideways', async () => {
    for (const [u, pg] of [[owner, o], [employee, e], [admin, a], [other, x], [phone, p]] as const) {
      await pg.setViewportSize(PHONE.viewport);
      await phoneLayoutIsClean(pg, u.name);
    }
  });

  await noBrowserErrors(browserErrors);
});
