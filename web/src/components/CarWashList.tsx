import { api } from '../api';
import { BookingRef, Empty, StatusBadge } from './common';
import type { CarWash } from '../types';

/** CarWashList lists car washes with their booking, driver and place, and the owner's or employee's buttons. */
export function CarWashList({
  washes,
  busy,
  act,
}: {
  washes: CarWash[];
  busy: boolean;
  act: (fn: () => Promise<unknown>, ok: string) => void;
}) {
  if (washes.length === 0) return <Empty>No car wash waiting.</Empty>;
  return (
    <ul className="rows">
      {washes.map((w) => (
        <li key={w.id} className="row" data-testid="carwash" data-carwash-id={w.id} data-booking-id={w.booking_id} data-status={w.status}>
          <span>
            <BookingRef id={w.booking_id} /> · <strong data-testid="carwash-driver">{w.driver ?? ''}</strong> · {w.lot_name} slot {w.slot_number} ·{' '}
            <strong>{w.service}</strong>
          </span>
          <StatusBadge status={w.status} />
          <span className="row__actions">
            {w.status === 'REQUESTED' && (
              <button type="button" className="btn btn--small btn--ghost" disabled={busy} data-testid="start-carwash" onClick={() => act(() => api.startCarWash(w.id), `Car wash #${w.id} started.`)}>
                Start
              </button>
            )}
            {w.status !== 'COMPLETED' && (
              <button type="button" className="btn btn--small" disabled={busy} data-testid="complete-carwash" onClick={() => act(() => api.completeCarWash(w.id), `Car wash #${w.id} done.`)}>
                Complete
              </button>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}
