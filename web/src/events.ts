// A tiny in-page bus: the socket publishes each notification here so that the
// pages refetch what an event changed (e.g. the owner's bookings on
// booking.created), without knowing about the socket.

import { useEffect, useEffectEvent } from 'react';
import type { Notification } from './types';

type Listener = (n: Notification) => void;
const listeners = new Set<Listener>();

export function publishNotification(n: Notification): void {
  listeners.forEach((fn) => {
    try {
      fn(n);
    } catch (e) {
      console.error(e);
    }
  });
}

export function subscribeNotifications(fn: Listener): () => void {
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}

/**
 * useNotificationEvents runs `onEvent` for each notification whose event is in
 * `events` (all when omitted).
 */
export function useNotificationEvents(events: string[] | null, onEvent: (n: Notification) => void): void {
  const handle = useEffectEvent(onEvent); // the latest onEvent, without resubscribing for each render's
  // The subscription depends on which events, not on the array's identity
  // (callers pass a literal); event names hold no comma.
  const key = events ? events.join(',') : null;
  useEffect(() => {
    const set = key === null ? null : new Set(key.split(','));
    return subscribeNotifications((n) => {
      if (!set || (n.event && set.has(n.event))) handle(n);
    });
  }, [key]);
}
