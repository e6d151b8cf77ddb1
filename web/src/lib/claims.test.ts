import { describe, expect, it } from 'vitest';
import { ChannelHub, FakeLocks, MemoryStorage } from '../test/fakes';
import { claimKeysForFrame, eventKey, notificationKey, ToastClaims } from './claims';

function tabs(n: number, withLocks = true) {
  const storage = new MemoryStorage();
  const locks = new FakeLocks();
  const hub = new ChannelHub();
  const list = Array.from(
    { length: n },
    () => new ToastClaims(1, { storage, locks: withLocks ? locks : undefined, channel: hub.open() }),
  );
  return { storage, locks, hub, list };
}

describe('ToastClaims', () => {
  it('lets exactly one of several tabs claim a key, even when they race', async () => {
    const { list } = tabs(3);
    const results = await Promise.all(list.map((t) => t.claim('n:1')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a second claim in the same tab loses', async () => {
    const { list } = tabs(1);
    expect(await list[0].claim('n:5')).toBe(true);
    expect(await list[0].claim('n:5')).toBe(false);
  });

  it('remembers claims across a reload (storage), but not after the TTL', async () => {
    const storage = new MemoryStorage();
    let now = 1_000_000;
    const a = new ToastClaims(1, { storage, now: () => now });
    expect(await a.claim('e:booking.expired:4')).toBe(true);
    a.close();
    const reloaded = new ToastClaims(1, { storage, now: () => now });
    expect(await reloaded.claim('e:booking.expired:4')).toBe(false);
    now += 25 * 3600_000;
    const later = new ToastClaims(1, { storage, now: () => now });
    expect(await later.claim('e:booking.expired:4')).toBe(true);
  });

  it('keeps storage bounded', async () => {
    const storage = new MemoryStorage();
    const c = new ToastClaims(1, { storage, maxEntries: 10 });
    for (let i = 0; i < 50; i++) await c.claim('n:' + i);
    expect(JSON.parse(storage.getItem('parkmate:claims:1')!)).toHaveLength(10);
  });

  it('without Web Locks, the BroadcastChannel tells other tabs', async () => {
    const { list } = tabs(2, false);
    expect(await list[0].claim('n:9')).toBe(true);
    expect(list[1].seen('n:9')).toBe(true);
    expect(await list[1].claim('n:9')).toBe(false);
  });

  it('claimAll needs every key', async () => {
    const { list } = tabs(2);
    // The driver's tab timer showed the expiry warning first...
    expect(await list[0].claim(eventKey('booking.expiring', 5, '2030-01-01T10:00:00Z'))).toBe(true);
    // ...so the server's frame for it is not toasted in any tab.
    const frame = { id: 77, event: 'booking.expiring', data: { booking_id: 5, ends_at: '2030-01-01T10:00:00.000Z' } };
    expect(await list[1].claimAll(claimKeysForFrame(frame))).toBe(false);
    expect(await list[0].claimAll(claimKeysForFrame(frame))).toBe(false);
  });

  it('a closed instance claims nothing', async () => {
    const { list } = tabs(1);
    list[0].close();
    expect(await list[0].claim('n:1')).toBe(false);
    expect(list[0].isClosed).toBe(true);
  });
});

describe('claim keys', () => {
  it('maps frames to an id key and, for timer events, the shared event key', () => {
    expect(claimKeysForFrame({ id: 3, event: 'payment.verified', data: { booking_id: 2 } })).toEqual([notificationKey(3)]);
    expect(claimKeysForFrame({ id: 4, event: 'booking.expired', data: { booking_id: 2, slot_id: 9 } })).toEqual([
      'n:4',
      'e:booking.expired:2',
    ]);
    expect(
      claimKeysForFrame({ id: 5, event: 'booking.expiring', data: { booking_id: 2, ends_at: '2030-01-01T10:00:00.400Z' } }),
    ).toEqual(['n:5', eventKey('booking.expiring', 2, '2030-01-01T10:00:00Z')]);
  });

  it('includes created_at in the id key when the frame has it', () => {
    expect(claimKeysForFrame({ id: 3, created_at: '2030-01-01T10:00:00Z' })).toEqual(['n:3@2030-01-01T10:00:00Z']);
  });

  it('a renewed booking (new end) gets a new expiring key', () => {
    expect(eventKey('booking.expiring', 1, '2030-01-01T10:00:00Z')).not.toBe(eventKey('booking.expiring', 1, '2030-01-01T10:30:00Z'));
    expect(eventKey('booking.expiring', 1, null)).toBe('e:booking.expiring:1');
  });
});
