import { describe, expect, it } from 'vitest';
import type { Payment } from '../types';
import { amountDue, formatMoney, payState, priceFor } from './money';

const pay = (amount: number, status: Payment['status']) => ({ amount, status }) as Payment;

describe('money', () => {
  it.each([
    [60, 2.5, 2.5],
    [90, 2.5, 3.75],
    [1, 2.5, 0.05], // 4.17 cents, rounded up
    [7, 1.99, 0.24], // 23.2 cents, rounded up
    [0, 2.5, 0],
    [30, 0, 0],
  ])('%i minutes at %f an hour cost %f, as the server prices them', (minutes, perHour, want) => {
    expect(priceFor(minutes, perHour)).toBe(want);
  });

  it('writes amounts in the currency', () => {
    expect(formatMoney(3.75, 'EUR', 'en-US')).toBe('€3.75');
    expect(formatMoney(2, 'USD', 'en-US')).toBe('$2.00');
    expect(formatMoney(2, 'NOPE1', 'en-US')).toBe('2.00 NOPE1');
  });

  it('knows what is left to pay and what the Pay button can do', () => {
    expect(payState({ price: 3.75, payment_status: null })).toBe('due');
    expect(payState({ price: 3.75, payment_status: 'PENDING' })).toBe('pending');
    expect(payState({ price: 3.75, payment_status: 'VERIFIED' })).toBe('paid');
    expect(payState({ price: 0, payment_status: null })).toBe('free');
    // With the detail's payments: a renewal after a payment leaves the difference due.
    const renewed = { price: 5, payment_status: 'VERIFIED' as const, payments: [pay(3.75, 'VERIFIED')] };
    expect(amountDue(renewed)).toBe(1.25);
    expect(payState(renewed)).toBe('due');
    expect(payState({ price: 5, payments: [pay(5, 'PENDING')] })).toBe('pending');
    expect(amountDue({ price: 5, payments: [pay(5, 'FAILED')] })).toBe(5);
    expect(payState({ price: 5, payments: [pay(2, 'VERIFIED'), pay(3, 'VERIFIED')] })).toBe('paid');
  });
});
