import { describe, expect, it } from 'vitest';
import { parseFrame } from './frames';

describe('parseFrame', () => {
  it.each([
    ['a notification', '{"id":4,"type":"success","message":"Done","event":"booking.renewed","data":{"booking_id":2},"created_at":"2030-01-01T00:00:00Z"}', 'notification'],
    ['read', '{"type":"read","ids":[3,5]}', 'read'],
    ['read_all', '{"type":"read_all","up_to":42}', 'read_all'],
    ['a changed frame (it has an id, but is no notification)', '{"type":"changed","resource":"payment","id":7,"booking_id":12,"lot_id":3,"status":"PENDING"}', 'live'],
    ['a slot frame', '{"type":"slot","lot_id":3,"slot_id":7,"number":2,"free":false,"free_slots":11}', 'live'],
    ['a watching frame', '{"type":"watching","lots":[3],"refused":[99]}', 'live'],
    ['a notice', '{"type":"notice","message":"Maintenance at 2"}', 'notice'],
    ['a pong', '{"type":"pong"}', 'pong'],
    ['a seed-era frame', '{"type":"warning","message":"Your booking will expire in 5 minutes!"}', 'legacy'],
  ])('%s', (_, raw, kind) => {
    expect(parseFrame(raw)?.kind).toBe(kind);
  });

  it.each([
    ['not JSON', 'hello'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['an unknown type', '{"type":"gossip"}'],
    ['an unknown type with an id (a frame type added later is no notification)', '{"id":4,"type":"loud","message":"x","created_at":"2030-01-01T00:00:00Z"}'],
    ['a changed frame about an unknown resource', '{"type":"changed","resource":"spaceship","id":1}'],
    ['a changed frame without an id', '{"type":"changed","resource":"booking"}'],
    ['a slot frame without free', '{"type":"slot","lot_id":3,"slot_id":7,"number":2}'],
    ['read_all without up_to', '{"type":"read_all"}'],
    ['a seed-era frame without a message', '{"type":"info"}'],
  ])('ignores %s', (_, raw) => {
    expect(parseFrame(raw)).toBeNull();
  });

  it('keeps what a live frame says, and only ids from lists', () => {
    expect(parseFrame('{"type":"changed","resource":"assignment","id":2,"lot_id":3}')).toEqual({
      kind: 'live',
      frame: { type: 'changed', resource: 'assignment', id: 2, booking_id: undefined, lot_id: 3, status: undefined },
    });
    expect(parseFrame('{"type":"watching","lots":[3,"x",-1],"refused":[99]}')).toEqual({ kind: 'live', frame: { type: 'watching', lots: [3], refused: [99] } });
    expect(parseFrame('{"type":"read","ids":[1,"2",3]}')).toEqual({ kind: 'read', ids: [1, 3] });
  });
});
