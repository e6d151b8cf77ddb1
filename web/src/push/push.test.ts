import { describe, expect, it } from 'vitest';
import { bookingFromURL, displayedFrames, eventLabel, urlBase64ToUint8Array } from './push';

describe('push helpers', () => {
  it('decodes a base64url VAPID key, with or without padding', () => {
    expect(Array.from(urlBase64ToUint8Array('-_8'))).toEqual([0xfb, 0xff]);
    expect(Array.from(urlBase64ToUint8Array('AQID'))).toEqual([1, 2, 3]);
    expect(urlBase64ToUint8Array('BJLAXkbJKJMCnV1c8aB9wff7XqolpGErT11GkvQzHp_BnIg6_VF6U-Kcg-UnbUNfHEBJ33EyDOkt9elZo9CWUt8').length).toBe(65);
  });

  it('splits displayed ids into frames the server accepts', () => {
    expect(displayedFrames([41, 42])).toEqual(['{"type":"displayed","ids":[41,42]}']);
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    const frames = displayedFrames(ids).map((f) => JSON.parse(f) as { ids: number[] });
    expect(frames.map((f) => f.ids.length)).toEqual([100, 100, 50]);
    expect(displayedFrames([])).toEqual([]);
  });

  it('reads the booking a clicked notification opens', () => {
    expect(bookingFromURL('?booking=12')).toBe(12);
    expect(bookingFromURL('?x=1&booking=7')).toBe(7);
    for (const bad of ['', '?booking=', '?booking=0', '?booking=-1', '?booking=1e3', '?booking=abc', '?booking=12345678901234567']) {
      expect(bookingFromURL(bad)).toBeNull();
    }
  });

  it('says events in words', () => {
    expect(eventLabel('booking.expiring')).toBe('A booking is about to expire');
    expect(eventLabel('custom.thing')).toBe('custom.thing');
  });
});
