// What the tests do and check in a browser: sign in, book, read the toasts and
// the inbox. Ported from the former hand-written runner (e2e/run.mjs) with the
// same waits, timeouts and checks.

import fs from 'node:fs';
import path from 'node:path';
import { expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { SHOTS_DIR } from './env';
import { PASSWORD } from './server';

export const LOT = 'Central';

export const MSG = {
  expiring: 'Your booking will expire in 1 minute!',
  expired: 'Your booking has expired. Slot released.',
  renewed: 'Booking renewed successfully!',
  renewFailed: /^Booking renewal failed: .+/,
  completed: 'Your booking has been completed. Thank you for parking with us!',
  cancelled: 'Your booking has been cancelled by an administrator.',
  verified: 'Your cash payment has been verified!',
  created: (slot: number) => `New booking at ${LOT}: slot ${slot} by driver1.`,
  washed: 'Your car wash is complete!',
  assignedOwner: `employee1 has been assigned to ${LOT}.`,
  assignedEmployee: `You have been assigned to ${LOT}.`,
  awaitingVerification: (booking: number) => new RegExp(`^Cash payment of [0-9.]+ from driver1 for booking #${booking} at ${LOT} awaits your verification\\.$`),
  washRequested: (booking: number, slot: number) => `Full car wash ordered by driver1 for booking #${booking} (slot ${slot} at ${LOT}).`,
  cancelledByUser: (who: string, booking: number, slot: number) => `${who} cancelled booking #${booking} (slot ${slot} at ${LOT}).`,
};

type Text = string | RegExp;

/** Every server-side notification text of the scenarios. */
const SERVER_MESSAGES: Text[] = [
  MSG.expiring, MSG.expired, MSG.renewed, MSG.renewFailed, MSG.completed, MSG.cancelled, MSG.verified,
  /^New booking at /, MSG.washed, MSG.assignedOwner, MSG.assignedEmployee,
  /^Cash payment of .* awaits your verification\.$/, / car wash ordered by .* for booking #/, / cancelled booking #\d+ \(slot /,
];

export type Level = 'success' | 'error' | 'warning' | 'info';
interface Expected {
  level: Level;
  text: Text;
  count: number;
}

/** A screen size: a desktop, or a phone (touch, mobile viewport). */
export interface Screen {
  viewport: { width: number; height: number };
  isMobile: boolean;
}
export const DESKTOP: Screen = { viewport: { width: 1280, height: 860 }, isMobile: false };
export const PHONE: Screen = { viewport: { width: 390, height: 844 }, isMobile: true };

/** ApiRequest is one REST request a page made. */
export interface ApiRequest {
  at: number;
  page: string;
  method: string;
  path: string;
}

/** Actor is one person: their own browser context (cookies, storage), a page, and the toasts they should have seen. */
export interface Actor {
  name: string;
  username: string;
  ctx: BrowserContext;
  page: Page;
  expected: Map<string, Expected>;
  /** Every /api/ request of the context's pages, in order. */
  requests: ApiRequest[];
  /** Every page load (a reload would add one). */
  loads: Array<{ at: number; page: string }>;
  /** newTab opens another tab in the same browser context, watched for errors. */
  newTab(name: string): Promise<Page>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const tid = (page: Page, id: string): Locator => page.locator(`[data-testid="${id}"]`);

export async function waitConnected(page: Page, timeout = 20_000): Promise<void> {
  await page.locator('[data-testid="ws-status"][data-state="connected"]').waitFor({ timeout });
}

export async function login(u: Actor, base: string): Promise<void> {
  await u.page.goto(base + '/');
  await tid(u.page, 'login-form').waitFor();
  await tid(u.page, 'username').fill(u.username);
  await tid(u.page, 'password').fill(PASSWORD);
  await tid(u.page, 'auth-submit').click();
  await u.page.locator(`[data-testid="current-user"]`).waitFor();
  await waitConnected(u.page);
}

function matches(message: string, text: Text): boolean {
  return text instanceof RegExp ? text.test(message) : message === text;
}

interface LoggedToast {
  level: Level;
  message: string;
}

export async function toastLog(page: Page): Promise<LoggedToast[]> {
  return page.evaluate(() =>
    ((window as unknown as { __parkmateToasts?: LoggedToast[] }).__parkmateToasts || []).map((t) => ({ level: t.level, message: t.message })),
  );
}

/**
 * expectToast waits for a toast of `level` with `text` in u's page, checks its
 * icon, and records that one more is expected (checked by assertExactly).
 */
export async function expectToast(u: Actor, level: Level, text: Text, { page = u.page, timeout = 15_000 } = {}): Promise<void> {
  const body = page.locator(`[data-testid="toast"][data-level="${level}"]`).filter({ hasText: text });
  try {
    await body.first().waitFor({ state: 'attached', timeout });
  } catch {
    const log = await toastLog(page).catch(() => []);
    throw new Error(`no ${level} toast "${text}" in ${u.name}'s browser; toasts seen: ${JSON.stringify(log)}`);
  }
  const toastEl = page.locator('.Toastify__toast').filter({ has: body }).first();
  const icon = toastEl.locator(`[data-testid="icon-${level}"]`);
  expect(await icon.count(), `the toast "${text}" has a ${level} icon`).toBeGreaterThanOrEqual(1);
  const label = await icon.first().getAttribute('aria-label');
  expect(label, `the ${level} icon has an aria-label`).toBeTruthy();
  const key = `${level}|${text instanceof RegExp ? text.source : text}`;
  const e = u.expected.get(key) ?? { level, text, count: 0 };
  e.count++;
  u.expected.set(key, e);
}

/** assertExactly checks each expected toast appeared exactly as often as expected, and nothing twice. */
export async function assertExactly(u: Actor, { settleMs = 2500, pages = [u.page] }: { settleMs?: number; pages?: Page[] } = {}): Promise<void> {
  await sleep(settleMs);
  const log: LoggedToast[] = [];
  for (const p of pages) log.push(...(await toastLog(p)));
  for (const e of u.expected.values()) {
    const n = log.filter((t) => t.level === e.level && matches(t.message, e.text)).length;
    expect(n, `${u.name}: toast ${e.level} "${e.text}" shown ${n} times, expected ${e.count}; log: ${JSON.stringify(log)}`).toBe(e.count);
  }
  // A server notification meant for someone else must not show here.
  for (const t of log) {
    const serverMsg = SERVER_MESSAGES.some((m) => matches(t.message, m));
    const mine = [...u.expected.values()].some((e) => e.level === t.level && matches(t.message, e.text));
    expect(serverMsg && !mine, `${u.name}: unexpected toast "${t.message}" (meant for another browser?)`).toBe(false);
  }
  const seen = new Map<string, number>();
  for (const t of log) seen.set(`${t.level}|${t.message}`, (seen.get(`${t.level}|${t.message}`) ?? 0) + 1);
  for (const [k, n] of seen) {
    const [level, message] = k.split('|');
    const allowed = [...u.expected.values()].filter((e) => e.level === level && matches(message, e.text)).reduce((a, e) => a + e.count, 0);
    expect(n, `${u.name}: toast "${message}" shown ${n} times`).toBeLessThanOrEqual(Math.max(1, allowed));
  }
}

export async function unreadCount(page: Page): Promise<number> {
  return Number(await tid(page, 'inbox-count').getAttribute('data-count'));
}

/** expectUnread waits (polling, like the former runner) until the bell shows n unread. */
export async function expectUnread(page: Page, n: number, timeout = 10_000): Promise<void> {
  await expect.poll(() => unreadCount(page), { message: `unread count is ${n}`, timeout, intervals: [150] }).toBe(n);
}

export async function openInbox(page: Page): Promise<void> {
  if (!(await tid(page, 'inbox-panel').isVisible())) await tid(page, 'inbox-bell').click();
  await tid(page, 'inbox-panel').waitFor();
}

export async function closeInbox(page: Page): Promise<void> {
  if (await tid(page, 'inbox-panel').isVisible()) await page.keyboard.press('Escape');
  await tid(page, 'inbox-panel').waitFor({ state: 'detached' });
}

export interface InboxItem {
  id: number;
  event: string | null;
  level: string | null;
  read: boolean;
  message: string;
  hasIcon: boolean;
  hasTime: boolean;
}

/** inboxItems opens the inbox, reads it, closes it; every item is listed once, with its icon and time. */
export async function inboxItems(page: Page): Promise<InboxItem[]> {
  await openInbox(page);
  const items = await page.locator('[data-testid="inbox-item"]').evaluateAll((els) =>
    els.map((el) => ({
      id: Number(el.getAttribute('data-id')),
      event: el.getAttribute('data-event'),
      level: el.getAttribute('data-level'),
      read: el.getAttribute('data-read') === 'true',
      message: el.querySelector('[data-testid="inbox-message"]')?.textContent ?? '',
      hasIcon: Boolean(el.querySelector('[data-testid^="icon-"]')),
      hasTime: Boolean(el.querySelector('time')),
    })),
  );
  await closeInbox(page);
  const ids = items.map((i) => i.id);
  expect(new Set(ids).size, `the inbox lists a notification twice: ${ids.join(',')}`).toBe(ids.length);
  for (const i of items) expect(i.hasIcon && i.hasTime, `inbox item ${i.id} has its icon and time`).toBe(true);
  return items;
}

export async function noToasts(page: Page, timeout = 9000): Promise<void> {
  await page.locator('.Toastify__toast').first().waitFor({ state: 'detached', timeout }).catch(() => {});
}

/**
 * shot saves a screenshot to e2e/screenshots/ (the README's pictures come
 * from there), once the page's entrance animations (a toast sliding in)
 * have ended: not the endless ones, nor a toast's countdown bar, which ends
 * with the toast.
 */
export async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter(
          (a) =>
            a.effect?.getComputedTiming().iterations !== Infinity &&
            !(a instanceof CSSAnimation && a.animationName.includes('Progress')),
        )
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS_DIR, name) });
}

export async function createLot(owner: Actor, slots = 6): Promise<void> {
  const p = owner.page;
  await tid(p, 'lot-name').fill(LOT);
  await tid(p, 'lot-slots').fill(String(slots));
  await tid(p, 'lot-create').click();
  await p.locator(`[data-testid="owner-lot"][data-lot-name="${LOT}"]`).waitFor();
}

/** bookSlot books a free slot of the lot in the driver's page and returns the new booking's id and card. */
export async function bookSlot(driver: Actor, slot: number, minutes: number, page: Page = driver.page): Promise<{ id: number; card: Locator }> {
  await page.locator(`[data-testid="lot-option"][data-lot-name="${LOT}"]`).click();
  const slotBtn = tid(page, `slot-${slot}`);
  await page.locator(`[data-testid="slot-${slot}"][data-free="true"]`).waitFor();
  await slotBtn.click();
  await tid(page, 'book-minutes').fill(String(minutes));
  const before = await page.locator('[data-testid="booking-card"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-booking-id')));
  await tid(page, 'book-submit').click();
  const card = page.locator('[data-testid="booking-card"][data-status="ACTIVE"]').filter({ hasText: `slot ${slot}` });
  await card.first().waitFor();
  const id = Number(await card.first().getAttribute('data-booking-id'));
  expect(before, `booking card ${id} already existed`).not.toContain(String(id));
  await card.first().locator('[data-testid="countdown"]').waitFor();
  return { id, card: page.locator(`[data-testid="booking-card"][data-booking-id="${id}"]`) };
}

/** adminCancel cancels a booking from the admin's page, confirming in the dialog ("Cancel booking"). */
export async function adminCancel(admin: Actor, bookingId: number): Promise<void> {
  const ap = admin.page;
  const row = ap.locator(`[data-testid="admin-booking"][data-booking-id="${bookingId}"]`);
  await row.waitFor();
  await row.locator('[data-testid="admin-cancel"]').click();
  const dialog = ap.getByRole('alertdialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel booking' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** WITHIN is the requirement: a change shows on every screen that shows it within 2 s. */
export const WITHIN = 2000;

/**
 * everywhereWithin runs checks at once, each with the same deadline: `ms`
 * after the call (the action was just done). Each check is a web-first
 * assertion given the time left as its timeout.
 */
export async function everywhereWithin(ms: number, checks: Array<(timeout: number) => Promise<unknown>>): Promise<number> {
  const start = Date.now();
  const deadline = start + ms;
  const each = await Promise.all(checks.map(async (c) => {
    await c(Math.max(1, deadline - Date.now()));
    return Date.now() - start;
  }));
  const took = Date.now() - start;
  console.log(`e2e: ${checks.length} checks on every screen passed ${took} ms after the action (each: ${each.join(', ')} ms)`);
  return took;
}
