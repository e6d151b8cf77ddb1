import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, BACKOFF_BASE_MS, BACKOFF_CAP_MS } from './backoff';

describe('backoff', () => {
  it('doubles the ceiling from the base up to the cap', () => {
    expect(BACKOFF_BASE_MS).toBe(500);
    expect(BACKOFF_CAP_MS).toBe(30_000);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeiling(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffCeiling(1000)).toBe(30000);
    expect(backoffCeiling(-3)).toBe(500);
  });

  it('uses full jitter: anywhere from 0 to the ceiling', () => {
    expect(backoffDelay(3, { random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(2000);
    expect(backoffDelay(3, { random: () => 0.999999 })).toBeLessThan(4000);
    expect(backoffDelay(3, { random: () => 0.999999 })).toBeGreaterThan(3990);
    expect(backoffDelay(20, { random: () => 0.5 })).toBe(15000);
  });

  it('never leaves [0, ceiling) even with a bad random source', () => {
    expect(backoffDelay(2, { random: () => 7 })).toBeLessThan(2000);
    expect(backoffDelay(2, { random: () => -1 })).toBe(0);
  });

  it('spreads real random delays over the whole range', () => {
    const delays = Array.from({ length: 400 }, () => backoffDelay(4));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(8000);
    expect(Math.min(...delays)).toBeLessThan(1000);
    expect(Math.max(...delays)).toBeGreaterThan(7000);
  });

  it('honours a custom base and cap', () => {
    expect(backoffDelay(10, { baseMs: 100, capMs: 1000, random: () => 0.5 })).toBe(500);
  });
});
