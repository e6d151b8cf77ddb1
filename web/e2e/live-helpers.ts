// Locators and checks of the live screens (live.spec.ts): what each role's
// page shows of a booking, a slot, a payment, a car wash, an assignment;
// the toast decisions a tab recorded; the REST requests pages made; and the
// phone layout.

import { expect, type Locator, type Page } from '@playwright/test';
import { LOT, tid, type Actor, type ApiRequest } from './helpers';

export const card = (p: Page, id: number): Locator => p.locator(`[data-testid="booking-card"][data-booking-id="${id}"]`);
export const slot = (p: Page, n: number): Locator => tid(p, `slot-${n}`);
export const lotOption = (p: Page): Locator => p.locator(`[data-testid="lot-option"][data-lot-name="${LOT}"]`);
export const ownerLot = (p: Page): Locator => p.locator(`[data-testid="owner-lot"][data-lot-name="${LOT}"] [data-testid="owner-lot-free"]`);
export const ownerRow = (p: Page, id: number): Locator => p.locator(`[data-testid="owner-booking"][data-booking-id="${id}"]`);
export const adminRow = (p: Page, id: number): Locator => p.locator(`[data-testid="admin-booking"][data-booking-id="${id}"]`);
export const historyRow = (p: Page, id: number): Locator => p.locator(`[data-testid="history-booking"][data-booking-id="${id}"]`);
export const pendingPayment = (p: Page, booking: number): Locator => p.locator(`[data-testid="pending-payment"][data-booking-id="${booking}"]`);
export const washRow = (p: Page, booking: number): Locator => p.locator(`[data-testid="carwash"][data-booking-id="${booking}"]`);

/** toastIn is a toast of level with text in a page. */
export const toastIn = (p: Page, level: string, text: string | RegExp): Locator =>
  p.locator(`[data-testid="toast"][data-level="${level}"]`).filter({ hasText: text });

/** visible is a check for everywhereWithin: the locator becomes visible. */
export const visible = (l: Locator) => (timeout: number) => expect(l.first()).toBeVisible({ timeout });
/** gone is a check: the locator leaves the page. */
export const gone = (l: Locator) => (timeout: number) => expect(l).toHaveCount(0, { timeout });
/** attr is a check: the locator's attribute becomes value. */
export const attr = (l: Locator, name: string, value: string | RegExp) => (timeout: number) => expect(l.first()).toHaveAttribute(name, value, { timeout });
/** text is a check: the locator's text becomes value. */
export const text = (l: Locator, value: string | RegExp) => (timeout: number) => expect(l.first()).toHaveText(value, { timeout });

export interface Routed {
  id: number;
  event: string;
  decision: string;
}

/** routed lists the toast decisions a tab made (window.__parkmateRouted). */
export async function routed(p: Page): Promise<Routed[]> {
  return p.evaluate(() => (window as unknown as { __parkmateRouted?: Routed[] }).__parkmateRouted ?? []);
}

/**
 * decisionFor waits until the tab has decided about a notification of event
 * (the frame reached it and went through the toast router: a sentinel for
 * "it was not shown") and returns the decision.
 */
export async function decisionFor(p: Page, event: string, timeout = 5000): Promise<string> {
  let found: Routed | undefined;
  await expect
    .poll(async () => {
      found = (await routed(p)).filter((r) => r.event === event).pop();
      return found?.decision ?? null;
    }, { timeout, message: `a toast decision about ${event}` })
    .not.toBeNull();
  return found!.decision;
}

/** toastCount counts the toasts with text a page ever showed (window.__parkmateToasts). */
export async function toastCount(p: Page, message: string): Promise<number> {
  return p.evaluate((m) => ((window as unknown as { __parkmateToasts?: Array<{ message: string }> }).__parkmateToasts ?? []).filter((t) => t.message === m).length, message);
}

/** requestsSince lists the REST requests of actors after a time. */
export function requestsSince(actors: Actor[], at: number): ApiRequest[] {
  return actors.flatMap((a) => a.requests.filter((r) => r.at >= at));
}

/** idle waits until no query of the page is fetching (the app's data-fetching attribute). */
export async function idle(p: Page, timeout = 10_000): Promise<void> {
  await expect(p.locator('[data-testid="app"]')).toHaveAttribute('data-fetching', '0', { timeout });
}

/**
 * phoneLayoutIsClean checks a page at its current (phone) size: nothing
 * scrolls sideways, and no visible button's text wraps onto a second line
 * (unless the button stacks its parts in a column) or spills out of it.
 */
export async function phoneLayoutIsClean(p: Page, who: string): Promise<void> {
  const problems = await p.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
    for (const el of document.querySelectorAll<HTMLElement>('button, a.btn')) {
      const box = el.getBoundingClientRect();
      if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
      const tops = new Set<number>();
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent?.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top / 4));
      }
      const name = (el.textContent ?? '').trim() || el.getAttribute('aria-label') || el.outerHTML.slice(0, 60);
      // A button laid out in a column (a lot's name over its count) has its lines on purpose.
      const stacked = getComputedStyle(el).flexDirection === 'column';
      if (tops.size > 1 && !stacked) out.push(`button "${name}" wraps onto ${tops.size} lines`);
      if (el.scrollWidth > el.clientWidth + 1) out.push(`button "${name}" spills out (${el.scrollWidth} > ${el.clientWidth})`);
      if (box.right > window.innerWidth + 1) out.push(`button "${name}" ends off screen`);
    }
    return out;
  });
  expect(problems, `${who} on a phone`).toEqual([]);
}

/** dismissToasts closes every toast of a page (with their close buttons) and scrolls to the top. */
export async function dismissToasts(p: Page): Promise<void> {
  // Toasts on their way out (exit animation) are skipped; each click closes one.
  const open = p.locator('.Toastify__toast:not([class*="exit"]) .Toastify__close-button');
  for (let i = 0; i < 20 && (await open.count()) > 0; i++) await open.first().click({ timeout: 2000 }).catch(() => {});
  await expect(p.locator('.Toastify__toast')).toHaveCount(0);
  await p.evaluate(() => window.scrollTo(0, 0));
}
