// Prices: the server prices a booking at price_per_hour for the booked time,
// rounded up to a cent; the app shows amounts in the config's currency.

import type { Booking } from '../types';

/** formatMoney shows an amount in a currency ("€2.50"); an unknown code is written after the number. */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** priceFor is what `minutes` cost at pricePerHour, rounded up to a cent, as the server prices them. */
export function priceFor(minutes: number, pricePerHour: number): number {
  if (!(minutes > 0) || !(pricePerHour > 0)) return 0;
  const cents = Math.round(pricePerHour * 100);
  return Math.ceil((minutes * 60 * cents) / 3600) / 100;
}

/**
 * amountDue is what is left to pay on a booking: its price less its
 * payments that did not fail (from the detail's payments when loaded).
 */
export function amountDue(b: Pick<Booking, 'price' | 'payments' | 'payment_status'>): number {
  const price = b.price ?? 0;
  if (!b.payments) return b.payment_status ? 0 : price;
  const paid = b.payments.filter((p) => p.status !== 'FAILED').reduce((sum, p) => sum + p.amount, 0);
  return Math.max(0, Math.round((price - paid) * 100) / 100);
}

/** PayState is what a booking's Pay button can do. */
export type PayState = 'due' | 'pending' | 'paid' | 'free';

/** payState tells whether a booking can be paid, waits for a cash payment's verification, or is paid. */
export function payState(b: Pick<Booking, 'price' | 'payments' | 'payment_status'>): PayState {
  const pending = b.payments ? b.payments.some((p) => p.status === 'PENDING') : b.payment_status === 'PENDING';
  if (pending) return 'pending';
  if (!b.price) return 'free';
  return amountDue(b) > 0 ? 'due' : 'paid';
}
