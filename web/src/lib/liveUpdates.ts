// What each live frame does to the cached server state: a `changed` frame
// invalidates the queries that show that resource (an active one refetches
// at once, an inactive one when it is shown again); a `slot` frame patches
// the lot's slots and free count in place, without a request.

import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { ChangedFrame, Lot, LiveFrame, Role, Slot, SlotFrame } from '../types';
import { queryKeys } from './queries';

export interface LiveScope {
  role: Role | null;
  /** Lots whose slot frames this socket gets: their slots and counts are patched, not refetched. */
  watched: ReadonlySet<number>;
}

/** keysForChange lists the query keys (prefixes) a changed frame makes stale. */
export function keysForChange(f: ChangedFrame, scope: LiveScope): QueryKey[] {
  const bookingId = f.resource === 'booking' ? (f.booking_id ?? f.id) : f.booking_id;
  const detail: QueryKey[] = bookingId ? [queryKeys.booking(bookingId)] : [];
  switch (f.resource) {
    case 'booking': {
      const keys: QueryKey[] = [['bookings'], ...detail];
      // A watched lot's slots and count come by slot frames; others are refetched.
      if (f.lot_id && !scope.watched.has(f.lot_id)) keys.push(queryKeys.slots(f.lot_id), ['lots']);
      return keys;
    }
    case 'payment':
      // Booking lists show payment_status.
      return [['payments'], ['bookings'], ...detail];
    case 'carwash':
      return [['carwashes'], ...detail];
    case 'assignment':
      // An employee's bookings and car washes are those of their lots.
      return scope.role === 'employee' ? [['assignments'], ['bookings'], ['carwashes']] : [['assignments']];
    case 'lot':
      // A new lot: every list of lots (the driver's, the owner's, the admin's choice).
      return [['lots']];
    case 'user':
      // An account made, changed or deleted (admins only): the lists of users.
      return [['users']];
  }
}

/**
 * patchSlot applies a slot frame to the cached slots and lot counts; false
 * when nothing was cached. A query that is being fetched meanwhile (after a
 * reconnect) may answer with what was true before the change: it is fetched
 * again, after the change.
 */
export function patchSlot(qc: QueryClient, f: SlotFrame): boolean {
  let patched = false;
  const refetchIfLoading = (queryKey: QueryKey) => {
    if (qc.getQueryState(queryKey)?.fetchStatus === 'fetching') void qc.refetchQueries({ queryKey, exact: true });
  };
  qc.setQueryData<Slot[]>(queryKeys.slots(f.lot_id), (slots) => {
    if (!slots) return slots;
    patched = true;
    return slots.map((s) => (s.id === f.slot_id ? { ...s, free: f.free } : s));
  });
  refetchIfLoading(queryKeys.slots(f.lot_id));
  if (f.free_slots >= 0) {
    for (const scope of ['all', 'mine'] as const) {
      qc.setQueryData<Lot[]>(queryKeys.lots(scope), (lots) => {
        if (!lots?.some((l) => l.id === f.lot_id)) return lots;
        patched = true;
        return lots.map((l) => (l.id === f.lot_id ? { ...l, free: f.free_slots } : l));
      });
      refetchIfLoading(queryKeys.lots(scope));
    }
  }
  return patched;
}

/** applyLiveFrame updates the cache for one live frame. */
export function applyLiveFrame(qc: QueryClient, frame: LiveFrame, scope: LiveScope): void {
  switch (frame.type) {
    case 'changed':
      for (const queryKey of keysForChange(frame, scope)) void qc.invalidateQueries({ queryKey });
      return;
    case 'slot':
      patchSlot(qc, frame);
      return;
    case 'watching':
      // A refused lot no longer exists: the lists that named it are stale.
      if (frame.refused.length) void qc.invalidateQueries({ queryKey: ['lots'] });
      return;
  }
}
