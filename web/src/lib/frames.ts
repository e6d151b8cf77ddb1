// parseFrame turns one text frame of the notification socket into a typed
// value, or null for anything the app does not know (junk, unknown types):
// a stored notification (it has a numeric id), the proto-2 read-state frames,
// the live-only frames (changed, slot, watching), a notice, a pong, or a
// seed-era {type, message} frame without an id.

import { LEVELS, type Level, type LiveFrame, type LiveResource, type Notification } from '../types';

export type Frame =
  | { kind: 'notification'; notification: Notification }
  | { kind: 'read'; ids: number[] }
  | { kind: 'read_all'; upTo: number }
  | { kind: 'live'; frame: LiveFrame }
  | { kind: 'notice'; message: string }
  | { kind: 'pong' }
  | { kind: 'legacy'; level: Level; message: string };

export function isLevel(v: unknown): v is Level {
  return typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
}


const RESOURCES: readonly LiveResource[] = ['booking', 'payment', 'carwash', 'assignment', 'lot', 'user'];

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const ids = (v: unknown): number[] => (Array.isArray(v) ? v.filter(isId) : []);
const optId = (v: unknown): number | undefined => (isId(v) ? v : undefined);

function liveFrame(type: unknown, f: Record<string, unknown>): LiveFrame | null {
  switch (type) {
    case 'changed': {
      const resource = f['resource'];
      if (!RESOURCES.includes(resource as LiveResource) || !isId(f['id'])) return null;
      return {
        type: 'changed',
        resource: resource as LiveResource,
        id: f['id'],
        booking_id: optId(f['booking_id']),
        lot_id: optId(f['lot_id']),
        status: typeof f['status'] === 'string' ? f['status'] : undefined,
      };
    }
    case 'slot': {
      const { lot_id, slot_id, number, free, free_slots } = f;
      if (!isId(lot_id) || !isId(slot_id) || typeof number !== 'number' || typeof free !== 'boolean') return null;
      return { type: 'slot', lot_id, slot_id, number, free, free_slots: typeof free_slots === 'number' ? free_slots : -1 };
    }
    case 'watching':
      return { type: 'watching', lots: ids(f['lots']), refused: ids(f['refused']) };
    default:
      return null;
  }
}

export function parseFrame(raw: unknown): Frame | null {
  let f: unknown;
  try {
    f = JSON.parse(String(raw));
  } catch {
    return null;
  }
  if (!f || typeof f !== 'object' || Array.isArray(f)) return null;
  const frame = f as Record<string, unknown>;
  const type = frame['type'];
  // A stored notification has an id and one of the four levels as its
  // type; a live frame such as `changed` has an id too, but another type
  // (so a frame type added later is never taken for a notification).
  if (typeof frame['id'] === 'number' && isLevel(type)) {
    return { kind: 'notification', notification: frame as unknown as Notification };
  }
  switch (type) {
    case 'read':
      return { kind: 'read', ids: ids(frame['ids']) };
    case 'read_all':
      return typeof frame['up_to'] === 'number' ? { kind: 'read_all', upTo: frame['up_to'] } : null;
    case 'notice':
      return { kind: 'notice', message: typeof frame['message'] === 'string' ? frame['message'] : '' };
    case 'pong':
      return { kind: 'pong' };
    case 'changed':
    case 'slot':
    case 'watching': {
      const live = liveFrame(type, frame);
      return live ? { kind: 'live', frame: live } : null;
    }
    default:
      return isLevel(type) && typeof frame['message'] === 'string' ? { kind: 'legacy', level: type, message: frame['message'] } : null;
  }
}
