// Wire types from docs/api.md.

export type Role = 'driver' | 'owner' | 'employee' | 'admin';
export type Level = 'success' | 'error' | 'warning' | 'info';
export const LEVELS: readonly Level[] = ['success', 'error', 'warning', 'info'];

export interface User {
  id: number;
  username: string;
  role: Role;
}

export interface Lot {
  id: number;
  name: string;
  owner_id: number;
  slots: number;
  free: number;
}

export interface Slot {
  id: number;
  lot_id: number;
  number: number;
  free: boolean;
}

export type BookingStatus =
  | 'ACTIVE'
  | 'EXPIRED'
  | 'COMPLETED'
  | 'CANCELLED_BY_USER'
  | 'CANCELLED_BY_ADMIN';

export interface Booking {
  id: number;
  user_id: number;
  username: string;
  slot_id: number;
  slot_number: number;
  lot_id: number;
  lot_name: string;
  status: BookingStatus;
  starts_at: string;
  ends_at: string;
  created_at: string;
  /** When it left ACTIVE (completed, cancelled, expired); null while ACTIVE. */
  ended_at?: string | null;
  /** The booked time priced at price_per_hour, in the config's currency. */
  price?: number;
  /** The latest payment's status; null without a payment. */
  payment_status?: Payment['status'] | null;
  payments?: Payment[];
  carwashes?: CarWash[];
}

export interface Payment {
  id: number;
  booking_id: number;
  lot_id: number;
  user_id: number;
  method: 'CASH' | 'ONLINE';
  amount: number;
  status: 'PENDING' | 'VERIFIED' | 'FAILED';
  created_at: string;
  driver?: string;
  lot_name?: string;
  slot_number?: number;
}

export interface CarWash {
  id: number;
  booking_id: number;
  lot_id: number;
  user_id: number;
  service: string;
  status: 'REQUESTED' | 'IN_PROGRESS' | 'COMPLETED';
  created_at: string;
  driver?: string;
  lot_name?: string;
  slot_number?: number;
}

export interface Assignment {
  id: number;
  employee_id: number;
  employee: string;
  lot_id: number;
  lot_name: string;
  created_at: string;
}

export interface Notification {
  id: number;
  type: Level;
  message: string;
  event?: string;
  data?: Record<string, unknown>;
  created_at: string;
  read?: boolean;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

/** The events the browser's booking countdown raises itself (events 1 and 2). */
export type TimerEvent = 'booking.expiring' | 'booking.expired';
export const TIMER_EVENTS: readonly TimerEvent[] = ['booking.expiring', 'booking.expired'];

/**
 * EventMessages is the server's wording of the timer events, exactly as its
 * own notifications word them, so the browser's toast cannot drift from the
 * server's. An older server does not send it.
 */
export type EventMessages = Partial<Record<TimerEvent, string>>;

export interface AppConfig {
  expiry_warning_seconds: number;
  max_booking_minutes: number;
  carwash_services: string[];
  /** ISO 4217 code prices are in. */
  currency: string;
  /** Price of one hour of parking, in currency units. */
  price_per_hour: number;
  /** Absent from an older server: the browser then words the events itself (lib/countdown.ts). */
  messages?: EventMessages;
}

export const DEFAULT_CONFIG: AppConfig = {
  expiry_warning_seconds: 300,
  max_booking_minutes: 1440,
  carwash_services: ['exterior', 'interior', 'full'],
  currency: 'EUR',
  price_per_hour: 2.5,
};

/** The resources a `changed` frame can be about. */
export type LiveResource = 'booking' | 'payment' | 'carwash' | 'assignment' | 'lot' | 'user';

/** ChangedFrame: something a screen lists was created or changed status (proto 2, never stored). */
export interface ChangedFrame {
  type: 'changed';
  resource: LiveResource;
  id: number;
  booking_id?: number;
  lot_id?: number;
  status?: string;
}

/** SlotFrame: a slot of a watched lot became taken or free. */
export interface SlotFrame {
  type: 'slot';
  lot_id: number;
  slot_id: number;
  number: number;
  free: boolean;
  free_slots: number;
}

/** WatchingFrame answers a watch frame. */
export interface WatchingFrame {
  type: 'watching';
  lots: number[];
  refused: number[];
}

/** LiveFrame is a live-only frame: it updates screens, never the inbox. */
export type LiveFrame = ChangedFrame | SlotFrame | WatchingFrame;
