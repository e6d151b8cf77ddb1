// The design's events walked through one booking's life by a driver, an owner,
// an admin and an employee, each in their own browser context: every toast
// appears in the right browser, with the right icon and text, exactly once;
// the inbox count moves with each; the inbox lists them; a reload shows none
// of them again. Event 2 (expiry) is in resilience.spec.ts.

import { expect, noBrowserErrors, test } from './fixtures';
import { dismissToasts } from './live-helpers';
import {
  adminCancel,
  assertExactly,
  bookSlot,
  closeInbox,
  createLot,
  expectToast,
  expectUnread,
  inboxItems,
  LOT,
  MSG,
  openInbox,
  shot,
  sleep,
  tid,
  toastLog,
  waitConnected,
} from './helpers';

test('events 8, 1, 3, 4, 11, 7, 12, 10, 9, 5 and 6 through one booking; the inbox; a reload', async ({ signedIn, browserErrors, allowHttpError }) => {
  // A new lot is announced to no one: the owner makes it before the others open the app.
  const owner = await signedIn('owner', 'owner1');
  await test.step('owner creates a lot', async () => {
    await createLot(owner);
  });
  const driver = await signedIn('driver', 'driver1');
  const admin = await signedIn('admin', 'admin1');
  const employee = await signedIn('employee', 'employee1');
  let bookingA = 0;
  const cardA = () => driver.page.locator(`[data-testid="booking-card"][data-booking-id="${bookingA}"]`);

  await test.step('events 8 and 1: driver books 1 minute → owner told live; expiry warning once', async () => {
    const { id } = await bookSlot(driver, 1, 1);
    bookingA = id;
    await tid(driver.page, 'booking-confirmation').waitFor();
    await expectToast(owner, 'info', MSG.created(1));
    // Event 8 also refreshes the owner's bookings live.
    await owner.page.locator(`[data-testid="owner-booking"][data-booking-id="${id}"][data-status="ACTIVE"]`).waitFor({ timeout: 10_000 });
    await expectUnread(owner.page, 1);
    // --expiry-warning 58s: the warning fires about 2 s after booking, from the
    // browser's timer and from the server; it must show once.
    await expectToast(driver, 'warning', MSG.expiring, { timeout: 10_000 });
    await driver.page.locator('[data-testid="countdown"][data-state="warning"]').waitFor();
    await shot(driver.page, 'driver-booking.png');
    await shot(owner.page, 'owner-dashboard.png');
    await assertExactly(driver, { settleMs: 3500 });
    await assertExactly(owner);
    await expectUnread(driver.page, 1); // the server's booking.expiring is in the inbox
  });

  await test.step('event 3: renewal succeeds', async () => {
    const card = cardA();
    await card.locator('[data-testid="renew-minutes"]').fill('30');
    await card.locator('[data-testid="renew-submit"]').click();
    await expectToast(driver, 'success', MSG.renewed);
    await card.locator('[data-testid="countdown"][data-state="ok"]').waitFor({ timeout: 10_000 });
    await expectUnread(driver.page, 2);
  });

  await test.step('event 4: renewal past the maximum fails', async () => {
    allowHttpError('/renew/', 422); // the refusal itself, logged by the browser
    const card = cardA();
    await card.locator('[data-testid="renew-minutes"]').fill('5000');
    await card.locator('[data-testid="renew-submit"]').click();
    await expectToast(driver, 'error', MSG.renewFailed);
    await expectUnread(driver.page, 3);
    await assertExactly(driver);
    // The refusal is told once, by the server's event 4, not again from the REST error.
    const log = await toastLog(driver.page);
    expect(log.filter((t) => t.level === 'error'), `one error toast: ${JSON.stringify(log)}`).toHaveLength(1);
  });

  await test.step('events 11 and 7: a cash payment awaits the owner, who verifies it', async () => {
    const card = cardA();
    await card.locator('[data-testid="pay-method"]').selectOption('CASH');
    await card.locator('[data-testid="pay-submit"]').click();
    await card.locator('[data-testid="booking-payment"][data-status="PENDING"]').waitFor();
    await expectToast(owner, 'info', MSG.awaitingVerification(bookingA));
    const op = owner.page;
    const row = op.locator(`[data-testid="pending-payment"][data-booking-id="${bookingA}"]`);
    await row.waitFor();
    await row.locator('[data-testid="verify-payment"]').click();
    await expectToast(driver, 'success', MSG.verified);
    await card.locator('[data-testid="booking-payment"][data-status="VERIFIED"]').waitFor({ timeout: 10_000 });
    await expectUnread(driver.page, 4);
  });

  await test.step('events 12 and 10: a car wash is ordered (owner told); admin assigns the employee → owner and employee told', async () => {
    // The driver orders a car wash first (for event 9); the lot has no employee yet.
    const card = cardA();
    await card.locator('[data-testid="carwash-service"]').selectOption('full');
    await card.locator('[data-testid="carwash-order"]').click();
    await card.locator('[data-testid="booking-carwash"][data-status="REQUESTED"]').waitFor();
    await expectToast(owner, 'info', MSG.washRequested(bookingA, 1));

    const ap = admin.page;
    await ap.locator('[data-testid="assign-lot"] option', { hasText: LOT }).waitFor({ state: 'attached' });
    await tid(ap, 'assign-employee').selectOption({ label: 'employee1' });
    await tid(ap, 'assign-lot').selectOption({ label: LOT });
    await tid(ap, 'assign-submit').click();
    await ap.locator('[data-testid="assignment"][data-employee="employee1"]').waitFor();
    await expectToast(owner, 'info', MSG.assignedOwner);
    await expectToast(employee, 'info', MSG.assignedEmployee);
    await owner.page.locator('[data-testid="owner-assignments"] [data-testid="assignment"][data-employee="employee1"]').waitFor({ timeout: 10_000 });
    await employee.page.locator('[data-testid="employee-assignments"] [data-testid="assignment"]').waitFor({ timeout: 10_000 });
    await shot(ap, 'admin.png');
    await expectUnread(owner.page, 4);
    await expectUnread(employee.page, 1);
  });

  await test.step('event 9: the employee completes the car wash', async () => {
    const ep = employee.page;
    const wash = ep.locator(`[data-testid="carwash"]`).filter({ hasText: `Booking #${bookingA}` });
    await wash.first().waitFor({ timeout: 15_000 });
    await shot(ep, 'employee.png');
    await wash.first().locator('[data-testid="complete-carwash"]').click();
    await expectToast(driver, 'success', MSG.washed);
    await expectUnread(driver.page, 5);
    await assertExactly(employee);
  });

  await test.step('event 5: the owner completes the booking', async () => {
    const op = owner.page;
    const row = op.locator(`[data-testid="owner-booking"][data-booking-id="${bookingA}"]`);
    await row.locator('[data-testid="complete-booking"]').click();
    await expectToast(driver, 'success', MSG.completed);
    await driver.page.locator(`[data-testid="history-booking"][data-booking-id="${bookingA}"][data-status="COMPLETED"]`).waitFor({ timeout: 10_000 });
    await expectUnread(driver.page, 6);
    await assertExactly(driver);
    await assertExactly(owner, { settleMs: 0 });
  });

  await test.step('inbox: lists every notification with icon and time; mark one, then all, read', async () => {
    const p = driver.page;
    const items = await inboxItems(p);
    const events = items.map((i) => i.event);
    for (const ev of ['booking.expiring', 'booking.renewed', 'booking.renew_failed', 'payment.verified', 'carwash.completed', 'booking.completed']) {
      expect(events.filter((e) => e === ev), `inbox lists ${ev} once: ${JSON.stringify(events)}`).toHaveLength(1);
    }
    expect(items, 'driver inbox has 6 items').toHaveLength(6);
    await dismissToasts(p); // warnings and errors stay until dismissed
    await openInbox(p);
    await shot(p, 'inbox.png');
    await p.locator('[data-testid="inbox-item"][data-read="false"] [data-testid="inbox-mark-read"]').first().click();
    await expectUnread(p, 5);
    await tid(p, 'inbox-mark-all').click();
    await expectUnread(p, 0);
    await closeInbox(p);
  });

  await test.step('a reload loses nothing and shows nothing twice', async () => {
    const p = driver.page;
    await p.reload();
    await waitConnected(p);
    driver.expected.clear();
    await sleep(3000);
    const log = await toastLog(p);
    expect(log, `toasts shown again after the reload: ${JSON.stringify(log)}`).toEqual([]);
    await expectUnread(p, 0);
    const items = await inboxItems(p);
    expect(items, 'inbox after reload: 6 items').toHaveLength(6);
    expect(items.filter((i) => !i.read), `inbox after reload, all read: ${JSON.stringify(items)}`).toEqual([]);
  });

  await test.step('event 6: an admin cancels a booking (confirmed in a toast)', async () => {
    const { id } = await bookSlot(driver, 2, 30);
    await expectToast(owner, 'info', MSG.created(2));
    await adminCancel(admin, id);
    await expectToast(driver, 'warning', MSG.cancelled);
    await driver.page.locator(`[data-testid="history-booking"][data-booking-id="${id}"][data-status="CANCELLED_BY_ADMIN"]`).waitFor({ timeout: 10_000 });
    await expectUnread(driver.page, 1);
    await assertExactly(driver);
    await assertExactly(owner, { settleMs: 0 });
    await assertExactly(admin, { settleMs: 0 });
    await assertExactly(employee, { settleMs: 0 });
  });

  await noBrowserErrors(browserErrors);
});
