import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from './route';

describe('routes', () => {
  it.each([
    ['', { name: 'home' }],
    ['#/', { name: 'home' }],
    ['#register', { name: 'home' }],
    ['#/booking/12', { name: 'booking', id: 12 }],
    ['#/booking/12/', { name: 'booking', id: 12 }],
    ['#/booking/x', { name: 'home' }],
    ['#/settings', { name: 'settings' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('writes what it reads', () => {
    for (const r of [{ name: 'booking', id: 7 }, { name: 'settings' }, { name: 'home' }] as const) expect(parseRoute(routeHash(r))).toEqual(r);
  });
});
