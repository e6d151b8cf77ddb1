#!/usr/bin/env node
// End-to-end tests of the web app against the real parkmate binary, in real
// headless Chromium driven by playwright-core.
//
//   PARKMATE_BIN=/path/to/parkmate npm run e2e
//
// Env: PARKMATE_BIN (the server binary; it embeds web/dist, so build the app
// before the binary), CHROMIUM_PATH (default /usr/bin/chromium),
// PARKMATE_REQUIRE_SERVICES=1 (fail instead of skipping when either is
// missing), E2E_KEEP=1 (keep the temp dir), E2E_HEADED=1 (show the browser).
//
// The scenario walks through the design's ten events with a driver, an owner,
// an admin and an employee, each in their own browser context, and checks that
// every toast appears in the right browser, with the right icon and text,
// exactly once; that the inbox count moves; that a reload and a server restart
// lose nothing and show nothing twice; and that two tabs of one browser toast
// a notification once while both inboxes update.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(here, 'screenshots');
const ARTIFACTS = path.join(here, 'artifacts');
const REQUIRE = process.env.PARKMATE_REQUIRE_SERVICES === '1';
const BIN = process.env.PARKMATE_BIN;
const CHROME = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = 'secret-pass-1';
const LOT = 'Central';

const MSG = {
  expiring: 'Your booking will expire in 1 minute!',
  expired: 'Your booking has expired. Slot released.',
  renewed: 'Booking renewed successfully!',
  renewFailed: /^Booking renewal failed: .+/,
  completed: 'Your booking has been completed. Thank you for parking with us!',
  cancelled: 'Your booking has been cancelled by an administrator.',
  verified: 'Your cash payment has been verified!',
  created: (slot) => `New booking at ${LOT}: slot ${slot} by driver1.`,
  washed: 'Your car wash is complete!',
  assignedOwner: `employee1 has been assigned to ${LOT}.`,
  assignedEmployee: `You have been assigned to ${LOT}.`,
};

// Every server-side notification text of the scenario.
const SERVER_MESSAGES = [
  MSG.expiring, MSG.expired, MSG.renewed, MSG.renewFailed, MSG.completed, MSG.cancelled, MSG.verified,
  /^New booking at /, MSG.washed, MSG.assignedOwner, MSG.assignedEmployee,
];

function summary(passed, failed, skipped) {
  console.log('');
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}

function skipOrFail(reason) {
  if (REQUIRE) {
    console.error(`e2e: FAIL: ${reason} (PARKMATE_REQUIRE_SERVICES=1 requires it)`);
    summary(0, 1, 0);
    process.exit(1);
  }
  console.log(`e2e: SKIPPED: ${reason}. Set PARKMATE_BIN to a built parkmate binary and install Chromium to run them.`);
  summary(0, 0, 1);
  process.exit(0);
}

if (!BIN) skipOrFail('PARKMATE_BIN is not set');
if (!fs.existsSync(BIN)) skipOrFail(`PARKMATE_BIN=${BIN} does not exist`);
if (!fs.existsSync(CHROME)) skipOrFail(`Chromium not found at ${CHROME}`);

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  skipOrFail(`playwright-core is not installed (${e.message}); run npm ci`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- the server

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parkmate-e2e-'));
const db = path.join(tmp, 'e2e.db');
const serverLog = path.join(tmp, 'server.log');
let server = null;
let port = 0;
let base = '';

function addUser(username, role) {
  execFileSync(BIN, ['user', 'add', '--db', db, '--username', username, '--role', role, '--password', PASSWORD], {
    cwd: tmp,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function startServer() {
  const out = fs.openSync(serverLog, 'a');
  server = spawn(BIN, ['--addr', `127.0.0.1:${port}`, '--db', db, '--expiry-warning', '58s'], {
    cwd: tmp,
    stdio: ['ignore', out, out],
  });
  const proc = server;
  let exited = null;
  proc.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`parkmate exited during start (${JSON.stringify(exited)}); see ${serverLog}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  throw new Error('parkmate did not answer GET /healthz with 200 within 20 s');
}

async function stopServer() {
  const proc = server;
  server = null;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
  await done;
  clearTimeout(t);
}

// ---------------------------------------------------------------- browsers

const consoleErrors = [];

async function newUser(browser, name, username) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  watch(page, name);
  return { name, username, ctx, page, expected: new Map() };
}

function watch(page, name) {
  page.on('pageerror', (e) => consoleErrors.push(`[${name}] page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // Refused/dropped sockets during the server restart and expected API
    // refusals (e.g. the renewal past the maximum) are not errors of the app.
    if (/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(text)) return;
    consoleErrors.push(`[${name}] console: ${text}`);
  });
}

const tid = (page, id) => page.locator(`[data-testid="${id}"]`);

async function waitConnected(page, timeout = 20_000) {
  await page.locator('[data-testid="ws-status"][data-state="connected"]').waitFor({ timeout });
}

async function login(u) {
  await u.page.goto(base + '/');
  await tid(u.page, 'login-form').waitFor();
  await tid(u.page, 'username').fill(u.username);
  await tid(u.page, 'password').fill(PASSWORD);
  await tid(u.page, 'auth-submit').click();
  await u.page.locator(`[data-testid="current-user"]`).waitFor();
  await waitConnected(u.page);
}

function matches(message, text) {
  return text instanceof RegExp ? text.test(message) : message === text;
}

async function toastLog(page) {
  return page.evaluate(() => (window.__parkmateToasts || []).map((t) => ({ level: t.level, message: t.message })));
}

/**
 * expectToast waits for a toast of `level` with `text` in u's page, checks its
 * icon, and records that one more is expected (checked by assertExactly).
 */
async function expectToast(u, level, text, { page = u.page, timeout = 15_000 } = {}) {
  const body = page.locator(`[data-testid="toast"][data-level="${level}"]`).filter({ hasText: text });
  try {
    await body.first().waitFor({ state: 'attached', timeout });
  } catch {
    const log = await toastLog(page).catch(() => []);
    throw new Error(`no ${level} toast "${text}" in ${u.name}'s browser; toasts seen: ${JSON.stringify(log)}`);
  }
  const toastEl = page.locator('.Toastify__toast').filter({ has: body }).first();
  const icon = toastEl.locator(`[data-testid="icon-${level}"]`);
  if ((await icon.count()) < 1) throw new Error(`the toast "${text}" has no ${level} icon`);
  const label = await icon.first().getAttribute('aria-label');
  if (!label) throw new Error(`the ${level} icon has no aria-label`);
  const key = `${level}|${text instanceof RegExp ? text.source : text}`;
  const e = u.expected.get(key) ?? { level, text, count: 0 };
  e.count++;
  u.expected.set(key, e);
}

/** assertExactly checks each expected toast appeared exactly as often as expected, and nothing twice. */
async function assertExactly(u, { settleMs = 2500, pages = [u.page] } = {}) {
  await sleep(settleMs);
  const log = [];
  for (const p of pages) log.push(...(await toastLog(p)));
  for (const e of u.expected.values()) {
    const n = log.filter((t) => t.level === e.level && matches(t.message, e.text)).length;
    if (n !== e.count) {
      throw new Error(`${u.name}: toast ${e.level} "${e.text}" shown ${n} times, expected ${e.count}; log: ${JSON.stringify(log)}`);
    }
  }
  // A server notification meant for someone else must not show here.
  for (const t of log) {
    const serverMsg = SERVER_MESSAGES.some((m) => matches(t.message, m));
    const mine = [...u.expected.values()].some((e) => e.level === t.level && matches(t.message, e.text));
    if (serverMsg && !mine) throw new Error(`${u.name}: unexpected toast "${t.message}" (meant for another browser?)`);
  }
  const seen = new Map();
  for (const t of log) seen.set(`${t.level}|${t.message}`, (seen.get(`${t.level}|${t.message}`) ?? 0) + 1);
  for (const [k, n] of seen) {
    const [level, message] = k.split('|');
    const allowed = [...u.expected.values()].filter((e) => e.level === level && matches(message, e.text)).reduce((a, e) => a + e.count, 0);
    if (n > Math.max(1, allowed)) throw new Error(`${u.name}: toast "${message}" shown ${n} times`);
  }
}

async function unreadCount(page) {
  return Number(await tid(page, 'inbox-count').getAttribute('data-count'));
}

async function expectUnread(page, n, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await unreadCount(page);
    if (last === n) return;
    await sleep(150);
  }
  throw new Error(`unread count is ${last}, expected ${n}`);
}

async function openInbox(page) {
  if (!(await tid(page, 'inbox-panel').isVisible())) await tid(page, 'inbox-bell').click();
  await tid(page, 'inbox-panel').waitFor();
}

async function closeInbox(page) {
  if (await tid(page, 'inbox-panel').isVisible()) await page.keyboard.press('Escape');
  await tid(page, 'inbox-panel').waitFor({ state: 'detached' });
}

async function inboxItems(page) {
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
  if (new Set(ids).size !== ids.length) throw new Error(`the inbox lists a notification twice: ${ids.join(',')}`);
  for (const i of items) if (!i.hasIcon || !i.hasTime) throw new Error(`inbox item ${i.id} lacks its icon or time`);
  return items;
}

async function noToasts(page, timeout = 9000) {
  await page.locator('.Toastify__toast').first().waitFor({ state: 'detached', timeout }).catch(() => {});
}

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name) });
}

async function bookSlot(driver, slot, minutes) {
  const page = driver.page;
  await tid(page, 'refresh-lots').click();
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
  if (before.includes(String(id))) throw new Error(`booking card ${id} already existed`);
  await card.first().locator('[data-testid="countdown"]').waitFor();
  return { id, card: page.locator(`[data-testid="booking-card"][data-booking-id="${id}"]`) };
}

// ---------------------------------------------------------------- the scenario

const steps = [];
const step = (name, fn) => steps.push({ name, fn });
const S = {}; // state shared by the steps

step('server starts; accounts created with `parkmate user add`', async () => {
  for (const [u, r] of [['driver1', 'driver'], ['owner1', 'owner'], ['employee1', 'employee'], ['admin1', 'admin']]) addUser(u, r);
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await startServer();
});

step('the app loads at / and everyone signs in (socket connected)', async () => {
  S.browser = await chromium.launch({
    executablePath: CHROME,
    headless: process.env.E2E_HEADED !== '1',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  S.driver = await newUser(S.browser, 'driver', 'driver1');
  S.owner = await newUser(S.browser, 'owner', 'owner1');
  S.admin = await newUser(S.browser, 'admin', 'admin1');
  S.employee = await newUser(S.browser, 'employee', 'employee1');
  await S.driver.page.goto(base + '/');
  await tid(S.driver.page, 'login-form').waitFor();
  await shot(S.driver.page, 'login.png');
  for (const u of [S.driver, S.owner, S.admin, S.employee]) await login(u);
  await tid(S.driver.page, 'driver-page').waitFor();
  await tid(S.owner.page, 'owner-page').waitFor();
  await tid(S.admin.page, 'admin-page').waitFor();
  await tid(S.employee.page, 'employee-page').waitFor();
  for (const u of [S.driver, S.owner]) await expectUnread(u.page, 0);
});

step('a newcomer registers and lands on the driver page', async () => {
  const u = await newUser(S.browser, 'newcomer', 'newbie_1');
  await u.page.goto(base + '/');
  await tid(u.page, 'tab-register').click();
  await tid(u.page, 'register-form').waitFor();
  await tid(u.page, 'username').fill(u.username);
  await tid(u.page, 'password').fill(PASSWORD);
  await tid(u.page, 'auth-submit').click();
  await u.page.locator('[data-testid="current-user"][data-role="driver"]').waitFor();
  await tid(u.page, 'driver-page').waitFor();
  await waitConnected(u.page);
  await u.ctx.close();
});

step('owner creates a lot', async () => {
  const p = S.owner.page;
  await tid(p, 'lot-name').fill(LOT);
  await tid(p, 'lot-slots').fill('6');
  await tid(p, 'lot-create').click();
  await p.locator(`[data-testid="owner-lot"][data-lot-name="${LOT}"]`).waitFor();
});

step('events 8 and 1: driver books 1 minute → owner told live; expiry warning once', async () => {
  const { id } = await bookSlot(S.driver, 1, 1);
  S.bookingA = id;
  await tid(S.driver.page, 'booking-confirmation').waitFor();
  await expectToast(S.owner, 'info', MSG.created(1));
  // Event 8 also refreshes the owner's bookings live.
  await S.owner.page.locator(`[data-testid="owner-booking"][data-booking-id="${id}"][data-status="ACTIVE"]`).waitFor({ timeout: 10_000 });
  await expectUnread(S.owner.page, 1);
  // --expiry-warning 58s: the warning fires about 2 s after booking, from the
  // browser's timer and from the server; it must show once.
  await expectToast(S.driver, 'warning', MSG.expiring, { timeout: 10_000 });
  await S.driver.page.locator('[data-testid="countdown"][data-state="warning"]').waitFor();
  await shot(S.driver.page, 'driver-booking.png');
  await shot(S.owner.page, 'owner-dashboard.png');
  await assertExactly(S.driver, { settleMs: 3500 });
  await assertExactly(S.owner);
  await expectUnread(S.driver.page, 1); // the server's booking.expiring is in the inbox
});

step('event 3: renewal succeeds', async () => {
  const card = S.driver.page.locator(`[data-testid="booking-card"][data-booking-id="${S.bookingA}"]`);
  await card.locator('[data-testid="renew-minutes"]').fill('30');
  await card.locator('[data-testid="renew-submit"]').click();
  await expectToast(S.driver, 'success', MSG.renewed);
  await card.locator('[data-testid="countdown"][data-state="ok"]').waitFor({ timeout: 10_000 });
  await expectUnread(S.driver.page, 2);
});

step('event 4: renewal past the maximum fails', async () => {
  const card = S.driver.page.locator(`[data-testid="booking-card"][data-booking-id="${S.bookingA}"]`);
  await card.locator('[data-testid="renew-minutes"]').fill('5000');
  await card.locator('[data-testid="renew-submit"]').click();
  await expectToast(S.driver, 'error', MSG.renewFailed);
  await expectUnread(S.driver.page, 3);
  await assertExactly(S.driver);
  // The refusal is told once, by the server's event 4, not again from the REST error.
  const log = await toastLog(S.driver.page);
  if (log.filter((t) => t.level === 'error').length !== 1) throw new Error(`more than one error toast: ${JSON.stringify(log)}`);
});

step('event 7: cash payment verified by the owner', async () => {
  const card = S.driver.page.locator(`[data-testid="booking-card"][data-booking-id="${S.bookingA}"]`);
  await card.locator('[data-testid="pay-method"]').selectOption('CASH');
  await card.locator('[data-testid="pay-amount"]').fill('7.50');
  await card.locator('[data-testid="pay-submit"]').click();
  await card.locator('[data-testid="booking-payment"][data-status="PENDING"]').waitFor();
  const op = S.owner.page;
  await tid(op, 'refresh-payments').click();
  const row = op.locator(`[data-testid="pending-payment"][data-booking-id="${S.bookingA}"]`);
  await row.waitFor();
  await row.locator('[data-testid="verify-payment"]').click();
  await expectToast(S.driver, 'success', MSG.verified);
  await card.locator('[data-testid="booking-payment"][data-status="VERIFIED"]').waitFor({ timeout: 10_000 });
  await expectUnread(S.driver.page, 4);
});

step('event 10: admin assigns the employee → owner and employee told', async () => {
  // The driver orders a car wash first (for event 9).
  const card = S.driver.page.locator(`[data-testid="booking-card"][data-booking-id="${S.bookingA}"]`);
  await card.locator('[data-testid="carwash-service"]').selectOption('full');
  await card.locator('[data-testid="carwash-order"]').click();
  await card.locator('[data-testid="booking-carwash"][data-status="REQUESTED"]').waitFor();

  const ap = S.admin.page;
  await tid(ap, 'refresh-assign-options').click();
  await ap.locator('[data-testid="assign-lot"] option', { hasText: LOT }).waitFor({ state: 'attached' });
  await tid(ap, 'assign-employee').selectOption({ label: 'employee1' });
  await tid(ap, 'assign-lot').selectOption({ label: LOT });
  await tid(ap, 'assign-submit').click();
  await ap.locator('[data-testid="assignment"][data-employee="employee1"]').waitFor();
  await expectToast(S.owner, 'info', MSG.assignedOwner);
  await expectToast(S.employee, 'info', MSG.assignedEmployee);
  await S.owner.page.locator('[data-testid="owner-assignments"] [data-testid="assignment"][data-employee="employee1"]').waitFor({ timeout: 10_000 });
  await S.employee.page.locator('[data-testid="employee-assignments"] [data-testid="assignment"]').waitFor({ timeout: 10_000 });
  await shot(ap, 'admin.png');
  await expectUnread(S.owner.page, 2);
  await expectUnread(S.employee.page, 1);
});

step('event 9: the employee completes the car wash', async () => {
  const ep = S.employee.page;
  const wash = ep.locator(`[data-testid="carwash"]`).filter({ hasText: `Booking #${S.bookingA}` });
  await wash.first().waitFor({ timeout: 15_000 });
  await shot(ep, 'employee.png');
  await wash.first().locator('[data-testid="complete-carwash"]').click();
  await expectToast(S.driver, 'success', MSG.washed);
  await expectUnread(S.driver.page, 5);
  await assertExactly(S.employee);
});

step('event 5: the owner completes the booking', async () => {
  const op = S.owner.page;
  await tid(op, 'refresh').first().click();
  const row = op.locator(`[data-testid="owner-booking"][data-booking-id="${S.bookingA}"]`);
  await row.locator('[data-testid="complete-booking"]').click();
  await expectToast(S.driver, 'success', MSG.completed);
  await S.driver.page.locator(`[data-testid="history-booking"][data-booking-id="${S.bookingA}"][data-status="COMPLETED"]`).waitFor({ timeout: 10_000 });
  await expectUnread(S.driver.page, 6);
  await assertExactly(S.driver);
  await assertExactly(S.owner, { settleMs: 0 });
});

step('inbox: lists every notification with icon and time; mark one, then all, read', async () => {
  const p = S.driver.page;
  const items = await inboxItems(p);
  const events = items.map((i) => i.event);
  for (const ev of ['booking.expiring', 'booking.renewed', 'booking.renew_failed', 'payment.verified', 'carwash.completed', 'booking.completed']) {
    if (events.filter((e) => e === ev).length !== 1) throw new Error(`inbox should list ${ev} once: ${JSON.stringify(events)}`);
  }
  if (items.length !== 6) throw new Error(`driver inbox has ${items.length} items, expected 6`);
  await noToasts(p);
  await openInbox(p);
  await shot(p, 'inbox.png');
  await p.locator('[data-testid="inbox-item"][data-read="false"] [data-testid="inbox-mark-read"]').first().click();
  await expectUnread(p, 5);
  await tid(p, 'inbox-mark-all').click();
  await expectUnread(p, 0);
  await closeInbox(p);
});

step('a reload loses nothing and shows nothing twice', async () => {
  const p = S.driver.page;
  await p.reload();
  await waitConnected(p);
  S.driver.expected.clear();
  await sleep(3000);
  const log = await toastLog(p);
  if (log.length) throw new Error(`toasts shown again after the reload: ${JSON.stringify(log)}`);
  await expectUnread(p, 0);
  const items = await inboxItems(p);
  if (items.length !== 6 || items.some((i) => !i.read)) throw new Error(`inbox after reload: ${JSON.stringify(items)}`);
});

step('event 6: an admin cancels a booking (confirmed in a toast)', async () => {
  const { id } = await bookSlot(S.driver, 2, 30);
  S.bookingB = id;
  await expectToast(S.owner, 'info', MSG.created(2));
  const ap = S.admin.page;
  await tid(ap, 'refresh').first().click();
  const row = ap.locator(`[data-testid="admin-booking"][data-booking-id="${id}"]`);
  await row.waitFor();
  await row.locator('[data-testid="admin-cancel"]').click();
  await tid(ap, 'confirm').waitFor();
  await tid(ap, 'confirm-ok').click();
  await expectToast(S.driver, 'warning', MSG.cancelled);
  await S.driver.page.locator(`[data-testid="history-booking"][data-booking-id="${id}"][data-status="CANCELLED_BY_ADMIN"]`).waitFor({ timeout: 10_000 });
  await expectUnread(S.driver.page, 1);
  await assertExactly(S.driver);
  await assertExactly(S.owner, { settleMs: 0 });
  await assertExactly(S.admin, { settleMs: 0 });
  await assertExactly(S.employee, { settleMs: 0 });
});

step('a server restart loses nothing: sockets resume, history intact, no repeats', async () => {
  const before = {
    driver: await inboxItems(S.driver.page),
    owner: await inboxItems(S.owner.page),
  };
  await stopServer();
  await S.driver.page.locator('[data-testid="ws-status"][data-state="disconnected"]').waitFor({ timeout: 15_000 });
  await startServer();
  for (const u of [S.driver, S.owner, S.admin, S.employee]) await waitConnected(u.page, 45_000);
  // A notification created right after the restart arrives, once.
  const { id } = await bookSlot(S.driver, 3, 1);
  S.bookingC = id;
  await expectToast(S.owner, 'info', MSG.created(3));
  await expectToast(S.driver, 'warning', MSG.expiring, { timeout: 10_000 });
  await assertExactly(S.owner, { settleMs: 3000 });
  await assertExactly(S.driver, { settleMs: 0 });
  const after = { driver: await inboxItems(S.driver.page), owner: await inboxItems(S.owner.page) };
  for (const who of ['driver', 'owner']) {
    const ids = new Set(after[who].map((i) => i.id));
    const missing = before[who].filter((i) => !ids.has(i.id));
    if (missing.length) throw new Error(`${who} lost notifications across the restart: ${JSON.stringify(missing)}`);
  }
  if (after.owner.length !== before.owner.length + 1) throw new Error(`owner inbox: ${before.owner.length} → ${after.owner.length}, expected +1`);
  if (!after.driver.some((i) => i.event === 'booking.expiring' && !before.driver.some((b) => b.id === i.id))) {
    throw new Error('the new booking.expiring is not in the driver inbox');
  }
});

step('event 2: the booking runs out; two tabs of one browser toast it once, both inboxes update', async () => {
  // A second tab of the driver's browser.
  S.driverTab2 = await S.driver.ctx.newPage();
  watch(S.driverTab2, 'driver-tab2');
  await S.driverTab2.goto(base + '/');
  await waitConnected(S.driverTab2);
  await S.driverTab2.locator(`[data-testid="booking-card"][data-booking-id="${S.bookingC}"] [data-testid="countdown"]`).waitFor();
  const tabs = [S.driver.page, S.driverTab2];
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
  await expectToast(S.driver, 'info', MSG.expired, { page: where });
  // The second tab was opened after the warning: it must not warn again either.
  await assertExactly(S.driver, { settleMs: 4000, pages: tabs });
  for (const t of tabs) {
    await t.locator(`[data-testid="history-booking"][data-booking-id="${S.bookingC}"][data-status="EXPIRED"]`).waitFor({ timeout: 15_000 });
    const items = await inboxItems(t);
    if (!items.some((i) => i.event === 'booking.expired')) throw new Error('booking.expired missing from a tab inbox');
  }
  await expectUnread(S.driver.page, 3);
  await expectUnread(S.driverTab2, 3);
});

step('read state follows the user: mark all read in one tab, the other updates live', async () => {
  await openInbox(S.driverTab2);
  await tid(S.driverTab2, 'inbox-mark-all').click();
  await closeInbox(S.driverTab2);
  await expectUnread(S.driverTab2, 0);
  await expectUnread(S.driver.page, 0);
});

step('a phone-sized screen works', async () => {
  const p = S.driver.page;
  await p.setViewportSize({ width: 390, height: 844 });
  await noToasts(p);
  await shot(p, 'driver-phone.png');
  await tid(p, 'inbox-bell').click();
  await tid(p, 'inbox-panel').waitFor();
  await shot(p, 'driver-phone-inbox.png');
  await closeInbox(p);
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  if (overflow) throw new Error('the page scrolls sideways on a phone-sized screen');
  await p.setViewportSize({ width: 1280, height: 860 });
});

step('logout closes the socket; the other tab is signed out too (4401)', async () => {
  await tid(S.driver.page, 'logout').click();
  await tid(S.driver.page, 'login-form').waitFor();
  await tid(S.driverTab2, 'login-form').waitFor({ timeout: 15_000 });
  const status = await S.driverTab2.locator('[data-testid="ws-status"]').count();
  if (status) throw new Error('the signed-out tab still shows a connection');
});

step('no errors in the browsers', async () => {
  if (consoleErrors.length) throw new Error(consoleErrors.join('\n'));
});

// ---------------------------------------------------------------- run

let passed = 0;
let failed = 0;
let skipped = 0;
const t0 = Date.now();
console.log(`e2e: parkmate=${BIN} chromium=${CHROME} tmp=${tmp}`);
try {
  for (const s of steps) {
    if (failed) {
      skipped++;
      console.log(`  - skipped: ${s.name}`);
      continue;
    }
    const t = Date.now();
    try {
      await s.fn();
      passed++;
      console.log(`  ✓ ${s.name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log(`  ✗ ${s.name}\n      ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n      ')}`);
      try {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        for (const u of [S.driver, S.owner, S.admin, S.employee].filter(Boolean)) {
          await u.page.screenshot({ path: path.join(ARTIFACTS, `failure-${u.name}.png`) }).catch(() => {});
        }
        if (S.driverTab2) await S.driverTab2.screenshot({ path: path.join(ARTIFACTS, 'failure-driver-tab2.png') }).catch(() => {});
        console.log(`      screenshots in ${ARTIFACTS}`);
      } catch {
        /* best effort */
      }
    }
  }
} finally {
  await S.browser?.close().catch(() => {});
  await stopServer().catch(() => {});
  if (failed && fs.existsSync(serverLog)) {
    const lines = fs.readFileSync(serverLog, 'utf8').trim().split('\n');
    console.log('\n--- last lines of the server log ---\n' + lines.slice(-30).join('\n'));
  }
  if (process.env.E2E_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`\ne2e: ${failed ? 'FAILED' : 'PASSED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
summary(passed, failed, skipped);
process.exit(failed ? 1 : 0);
