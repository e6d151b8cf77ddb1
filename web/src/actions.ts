// Actions whose outcome the server also announces by notification to the
// actor (a renewal: event 3 or 4). The tab that acts marks the events as its
// own before it sends the request (TabPresence.begin), shows the REST answer
// as the confirmation, and so neither it nor any other tab of the browser
// toasts the notification when it arrives (lib/toastRouter.ts).

import type { QueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from './api';
import { actionKey, sharedPresence } from './lib/presence';
import { queryKeys } from './lib/queries';
import notify from './notify';
import type { Booking } from './types';

/** The server's words for events 3 and 4 (notify/notify.go), shown from the REST answer. */
export const RENEWED_MESSAGE = 'Booking renewed successfully!';
export const renewFailedMessage = (reason: string) => `Booking renewal failed: ${reason}`;

/** DEFAULT_RENEW_MINUTES is what the expiry warning's Renew button adds. */
export const DEFAULT_RENEW_MINUTES = 30;

/** Error codes with which the server refuses a renewal and also sends event 4. */
const REFUSALS = new Set(['booking_not_active', 'max_length_exceeded']);

/** patchBooking puts a booking the server answered into the cache (detail and lists). */
export function patchBooking(qc: QueryClient, b: Booking): void {
  qc.setQueryData<Booking>(queryKeys.booking(b.id), (old) => ({ ...old, ...b }));
  qc.setQueriesData<Booking[]>({ queryKey: ['bookings'] }, (list) => list?.map((x) => (x.id === b.id ? { ...x, ...b } : x)));
}

/**
 * renewBooking renews a booking from this tab and shows the outcome here:
 * the renewed booking, or null when it was refused (the reason is toasted).
 */
export async function renewBooking(qc: QueryClient, userId: number, bookingId: number, minutes: number): Promise<Booking | null> {
  const presence = sharedPresence(userId);
  const keys = [actionKey('booking.renewed', bookingId), actionKey('booking.renew_failed', bookingId)];
  await presence.begin(keys);
  try {
    const b = await api.renew(bookingId, minutes);
    presence.ended(keys);
    patchBooking(qc, b);
    notify.success(RENEWED_MESSAGE);
    return b;
  } catch (err) {
    if (err instanceof ApiError && REFUSALS.has(err.code)) {
      presence.ended(keys);
      notify.error(renewFailedMessage(err.message));
    } else {
      // Refused before anything was stored (or not sent): no notification follows.
      keys.forEach((k) => presence.settle(k));
      notify.error(errorMessage(err));
    }
    return null;
  }
}
