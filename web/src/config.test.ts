import { describe, expect, it } from 'vitest';
import { appConfig } from './config';
import { DEFAULT_CONFIG, type AppConfig } from './types';

/** served is a /api/config/ answer as it arrives: JSON of any shape, unchecked. */
const served = (json: string) => JSON.parse(json) as Partial<AppConfig>;

describe('appConfig', () => {
  it("keeps the server's wording of events 1 and 2", () => {
    const c = appConfig({
      expiry_warning_seconds: 58,
      max_booking_minutes: 60,
      carwash_services: ['full'],
      messages: { 'booking.expiring': 'Your booking will expire in 1 minute!', 'booking.expired': 'Your booking has expired. Slot released.' },
    });
    expect(c).toEqual({
      expiry_warning_seconds: 58,
      max_booking_minutes: 60,
      carwash_services: ['full'],
      currency: 'EUR',
      price_per_hour: 2.5,
      messages: { 'booking.expiring': 'Your booking will expire in 1 minute!', 'booking.expired': 'Your booking has expired. Slot released.' },
    });
  });

  it('has no messages from an older server that does not send them', () => {
    const c = appConfig({ expiry_warning_seconds: 300, max_booking_minutes: 1440, carwash_services: ['exterior'] });
    expect(c.messages).toBeUndefined();
    expect('messages' in c).toBe(false);
    expect(c.expiry_warning_seconds).toBe(300);
  });

  it('fills what the server left out with the defaults', () => {
    expect(appConfig({})).toEqual(DEFAULT_CONFIG);
    expect(appConfig(null)).toEqual(DEFAULT_CONFIG);
    expect(appConfig({ expiry_warning_seconds: 120 })).toEqual({ ...DEFAULT_CONFIG, expiry_warning_seconds: 120 });
  });

  it('keeps only non-empty texts of the timer events', () => {
    expect(appConfig(served('{"messages": {"booking.expiring": "", "booking.expired": "Gone.", "booking.renewed": "Renewed.", "x": 3}}')).messages).toEqual({ 'booking.expired': 'Gone.' });
    expect(appConfig(served('{"messages": {"booking.expiring": 5}}')).messages).toBeUndefined();
    expect(appConfig(served('{"messages": null}')).messages).toBeUndefined();
  });
});
