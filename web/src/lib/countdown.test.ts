import { describe, expect, it } from 'vitest';
import { crossedEvents, EXPIRED_MESSAGE, formatRemaining, humanDuration, remainingMs, timerEventMessage, warningMessage } from './countdown';

describe('countdown', () => {
  it('computes what is left, never negative', () => {
    const end = Date.parse('2030-01-01T10:00:00Z');
    expect(remainingMs('2030-01-01T10:00:00Z', end - 61_000)).toBe(61_000);
    expect(remainingMs(end, end + 5000)).toBe(0);
    expect(remainingMs('garbage', end)).toBe(0);
  });

  it('formats m:ss and h:mm:ss, rounding up to the second', () => {
    expect(formatRemaining(0)).toBe('0:00');
    expect(formatRemaining(59_001)).toBe('1:00');
    expect(formatRemaining(59_000)).toBe('0:59');
    expect(formatRemaining(5 * 60_000)).toBe('5:00');
    expect(formatRemaining(3600_000 + 65_000)).toBe('1:01:05');
  });

  it('words the warning like the server', () => {
    expect(warningMessage(300)).toBe('Your booking will expire in 5 minutes!');
    expect(warningMessage(58)).toBe('Your booking will expire in 1 minute!');
    expect(warningMessage(90)).toBe('Your booking will expire in 2 minutes!');
    expect(humanDuration(58)).toBe('58 seconds');
    expect(humanDuration(60)).toBe('1 minute');
    expect(humanDuration(3600)).toBe('1 hour');
    expect(humanDuration(90)).toBe('2 minutes');
  });

  it("uses the server's texts for events 1 and 2 when the config has them", () => {
    const messages = { 'booking.expiring': 'Server: 5 minutes left!', 'booking.expired': 'Server: time is up.' };
    expect(timerEventMessage('booking.expiring', 300, messages)).toBe('Server: 5 minutes left!');
    expect(timerEventMessage('booking.expired', 300, messages)).toBe('Server: time is up.');
    // The server's text wins even where the browser would word it differently.
    expect(timerEventMessage('booking.expiring', 58, messages)).toBe('Server: 5 minutes left!');
  });

  it('words events 1 and 2 itself without the config messages (an older server)', () => {
    expect(timerEventMessage('booking.expiring', 300)).toBe('Your booking will expire in 5 minutes!');
    expect(timerEventMessage('booking.expiring', 58, undefined)).toBe('Your booking will expire in 1 minute!');
    expect(timerEventMessage('booking.expired', 300)).toBe('Your booking has expired. Slot released.');
    expect(EXPIRED_MESSAGE).toBe('Your booking has expired. Slot released.');
    // Only the text that is missing (or empty) falls back.
    expect(timerEventMessage('booking.expiring', 300, { 'booking.expired': 'Server: time is up.' })).toBe('Your booking will expire in 5 minutes!');
    expect(timerEventMessage('booking.expired', 300, { 'booking.expired': '' })).toBe('Your booking has expired. Slot released.');
  });

  it('fires the warning once when the threshold is crossed', () => {
    const w = 300_000;
    expect(crossedEvents(null, 600_000, w)).toEqual([]);
    expect(crossedEvents(600_000, 301_000, w)).toEqual([]);
    expect(crossedEvents(301_000, 300_000, w)).toEqual(['booking.expiring']);
    expect(crossedEvents(300_000, 299_000, w)).toEqual([]);
    // Ticks are not exact: jumping over the exact instant still warns.
    expect(crossedEvents(300_400, 299_400, w)).toEqual(['booking.expiring']);
  });

  it('fires the expiry once at zero', () => {
    expect(crossedEvents(1000, 0, 300_000)).toEqual(['booking.expired']);
    expect(crossedEvents(0, 0, 300_000)).toEqual([]);
  });

  it('a booking loaded late raises what it is already past', () => {
    expect(crossedEvents(null, 120_000, 300_000)).toEqual(['booking.expiring']);
    expect(crossedEvents(null, 0, 300_000)).toEqual(['booking.expired']);
    // A throttled background tab jumping from above the warning to past the end: only the expiry.
    expect(crossedEvents(400_000, 0, 300_000)).toEqual(['booking.expired']);
  });
});
