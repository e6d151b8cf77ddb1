// A tiny in-page bus: the socket publishes each notification here so that the
// pages refetch what an event changed (e.g. the owner's bookings on
// booking.created), without knowing about the socket.

import { useEffect, useRef } from 'react';
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
  const ref = useRef(onEvent);
  ref.current = onEvent;
  const key = events ? events.join(',') : '*';
  useEffect(() => {
    const set = events ? new Set(events) : null;
    return subscribeNotifications((n) => {
      if (!set || (n.event && set.has(n.event))) ref.current(n);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
}
