import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { ChangedFrame, Lot, Slot } from '../types';
import { applyLiveFrame, keysForChange, patchSlot } from './liveUpdates';
import { queryKeys } from './queries';

const changed = (over: Partial<ChangedFrame>): ChangedFrame => ({ type: 'changed', resource: 'booking', id: 12, booking_id: 12, lot_id: 3, status: 'ACTIVE', ...over });
const none = { role: 'owner' as const, watched: new Set<number>() };

describe('keysForChange', () => {
  it.each([
    ['a booking of a watched lot: lists and detail (slots come by slot frames)', changed({}), { role: 'driver' as const, watched: new Set([3]) }, [['bookings'], ['booking', 12]]],
    ['a booking of a lot not watched: its slots and the lot counts too', changed({}), none, [['bookings'], ['booking', 12], ['slots', 3], ['lots']]],
    ['a payment: payments, booking lists (payment_status) and the booking', changed({ resource: 'payment', id: 7 }), none, [['payments'], ['bookings'], ['booking', 12]]],
    ['a car wash: car washes and the booking', changed({ resource: 'carwash', id: 4 }), none, [['carwashes'], ['booking', 12]]],
    ['an assignment, for an owner or admin', changed({ resource: 'assignment', id: 2, booking_id: undefined }), none, [['assignments']]],
    ['a new lot: every list of lots', changed({ resource: 'lot', id: 4, booking_id: undefined, lot_id: 4, status: undefined }), none, [['lots']]],
    ['an account made or changed: the lists of users', changed({ resource: 'user', id: 9, booking_id: undefined, lot_id: undefined, status: 'employee' }), none, [['users']]],
    ['an assignment, for the employee: their bookings and car washes too', changed({ resource: 'assignment', id: 2, booking_id: undefined }), { role: 'employee' as const, watched: new Set<number>() }, [['assignments'], ['bookings'], ['carwashes']]],
  ])('%s', (_, frame, scope, keys) => {
    expect(keysForChange(frame, scope)).toEqual(keys);
  });
});

function client() {
  const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity } } });
  const slots: Slot[] = [1, 2, 3].map((n) => ({ id: 10 + n, lot_id: 3, number: n, free: true }));
  const lots: Lot[] = [{ id: 3, name: 'Central', owner_id: 2, slots: 3, free: 3 }, { id: 4, name: 'North', owner_id: 2, slots: 5, free: 5 }];
  qc.setQueryData(queryKeys.slots(3), slots);
  qc.setQueryData(queryKeys.lots('all'), lots);
  qc.setQueryData(queryKeys.lots('mine'), lots.slice(1));
  return qc;
}

describe('applyLiveFrame', () => {
  it('a slot frame patches the slot and the lot count, with no request', () => {
    const qc = client();
    expect(patchSlot(qc, { type: 'slot', lot_id: 3, slot_id: 12, number: 2, free: false, free_slots: 2 })).toBe(true);
    expect(qc.getQueryData<Slot[]>(queryKeys.slots(3))!.map((s) => s.free)).toEqual([true, false, true]);
    expect(qc.getQueryData<Lot[]>(queryKeys.lots('all'))!.map((l) => l.free)).toEqual([2, 5]);
    expect(qc.getQueryData<Lot[]>(queryKeys.lots('mine'))!.map((l) => l.free)).toEqual([5]); // not in that list
    expect(qc.isFetching()).toBe(0);
  });

  it('a slot frame during a fetch of that lot fetches it again, after the change', async () => {
    const qc = client();
    const answers = [
      [{ id: 11, lot_id: 3, number: 1, free: true }], // read before the change
      [{ id: 11, lot_id: 3, number: 1, free: false }], // read after it
    ];
    let calls = 0;
    let release: () => void = () => {};
    const first = new Promise<void>((r) => (release = r));
    const fetching = qc.fetchQuery({
      queryKey: queryKeys.slots(3),
      staleTime: 0,
      queryFn: async () => {
        const answer = answers[calls++];
        if (calls === 1) await first;
        return answer;
      },
    });
    patchSlot(qc, { type: 'slot', lot_id: 3, slot_id: 11, number: 1, free: false, free_slots: 2 });
    release();
    await fetching.catch(() => {}); // the stale fetch was cancelled
    await new Promise((r) => setTimeout(r, 0));
    await qc.getQueryCache().find({ queryKey: queryKeys.slots(3) })!.promise;
    expect(calls).toBe(2);
    expect(qc.getQueryData<Slot[]>(queryKeys.slots(3))![0].free).toBe(false);
  });

  it('a changed frame marks exactly its queries stale', () => {
    const qc = client();
    qc.setQueryData(queryKeys.bookings(), []);
    qc.setQueryData(queryKeys.bookings('ACTIVE'), []);
    qc.setQueryData(queryKeys.booking(12), { id: 12 });
    qc.setQueryData(queryKeys.booking(13), { id: 13 });
    qc.setQueryData(queryKeys.payments('PENDING'), []);
    applyLiveFrame(qc, changed({}), { role: 'driver', watched: new Set([3]) });
    const stale = qc.getQueryCache().getAll().filter((q) => q.state.isInvalidated).map((q) => JSON.stringify(q.queryKey)).sort();
    expect(stale).toEqual(['["booking",12]', '["bookings","ACTIVE"]', '["bookings","all"]']);
  });

  it('a refused watch makes the lot lists stale', () => {
    const qc = client();
    applyLiveFrame(qc, { type: 'watching', lots: [3], refused: [99] }, none);
    expect(qc.getQueryCache().getAll().filter((q) => q.state.isInvalidated).map((q) => q.queryKey[0])).toEqual(['lots', 'lots']);
  });
});
