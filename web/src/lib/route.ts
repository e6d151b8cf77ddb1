// The app's few places, in the URL's hash so the server needs no routes:
// "" (the role's page), "#/booking/12" (one booking, opened from the inbox or
// a system notification) and "#/settings" (notification settings; later
// panels add themselves there).

import { useSyncExternalStore } from 'react';

export type Route = { name: 'home' } | { name: 'booking'; id: number } | { name: 'settings' };

/** parseRoute reads a location hash. */
export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const booking = /^\/booking\/(\d+)\/?$/.exec(h);
  if (booking) return { name: 'booking', id: Number(booking[1]) };
  if (/^\/settings\/?$/.test(h)) return { name: 'settings' };
  return { name: 'home' };
}

/** routeHash is the hash of a route. */
export function routeHash(r: Route): string {
  switch (r.name) {
    case 'booking':
      return `#/booking/${r.id}`;
    case 'settings':
      return '#/settings';
    default:
      return '#/';
  }
}

/** navigate goes to a route (a new history entry). */
export function navigate(r: Route): void {
  const hash = routeHash(r);
  if (location.hash !== hash) location.hash = hash;
}

function subscribe(fn: () => void): () => void {
  window.addEventListener('hashchange', fn);
  return () => window.removeEventListener('hashchange', fn);
}

const snapshot = () => location.hash;

/** useRoute is the current route, updated on hash changes. */
export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, snapshot, () => ''));
}
