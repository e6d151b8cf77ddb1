import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Car, History, ParkingSquare } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api';
import { useAuth } from '../auth';
import { BookingCard } from '../components/BookingCard';
import { BookingRef, Empty, ErrorLine, Money, queryError, Section, StatusBadge, useBusy } from '../components/common';
import { MAX_WATCHED_LOTS, useWatchLots } from '../live';
import { priceFor } from '../lib/money';
import { queries, queryKeys } from '../lib/queries';
import { clockTime } from '../lib/time';
import notify from '../notify';
import type { Booking, Lot } from '../types';

const MINUTE_PRESETS = [1, 30, 60, 120];

export function DriverPage() {
  const bookings = useQuery(queries.bookings());
  const [justBooked, setJustBooked] = useState<number | null>(null);
  const all = bookings.data ?? [];
  const active = all.filter((b) => b.status === 'ACTIVE');
  const past = all.filter((b) => b.status !== 'ACTIVE');

  return (
    <main className="page" data-testid="driver-page">
      <Section title={<><Car size={20} aria-hidden="true" /> Your bookings</>} testId="driver-bookings">
        <ErrorLine error={queryError(bookings)} />
        {justBooked !== null && active.some((b) => b.id === justBooked) && (
          <p className="confirmation" data-testid="booking-confirmation">
            Booked! Your slot is held until the timer runs out. Renew it before then if you need more time.
          </p>
        )}
        {active.length === 0 && !bookings.isPending && <Empty>No active booking. Find a free slot below.</Empty>}
        <div className="grid">
          {active.map((b) => (
            <BookingCard key={b.id} initial={b} />
          ))}
        </div>
      </Section>
      <FindParking onBooked={(b) => setJustBooked(b.id)} />
      {past.length > 0 && (
        <Section title={<><History size={20} aria-hidden="true" /> History</>} testId="driver-history">
          <ul className="rows">
            {past.map((b) => (
              <HistoryRow key={b.id} b={b} />
            ))}
          </ul>
        </Section>
      )}
    </main>
  );
}

function HistoryRow({ b }: { b: Booking }) {
  // The actual end: when it was completed, cancelled or ran out.
  const end = b.ended_at ?? b.ends_at;
  return (
    <li className="row" data-testid="history-booking" data-booking-id={b.id} data-status={b.status}>
      <span>
        <BookingRef id={b.id} /> · {b.lot_name} · slot {b.slot_number}
      </span>
      <span className="muted small" data-testid="history-times" data-ended-at={b.ended_at ?? ''}>
        {clockTime(b.starts_at)}–{clockTime(end)}
        {b.ended_at && b.ended_at < b.ends_at ? ` (booked until ${clockTime(b.ends_at)})` : ''}
      </span>
      {b.price !== undefined && <Money amount={b.price} />}
      <StatusBadge status={b.status} />
    </li>
  );
}

/** oldest is the lot with the lowest id. */
function oldest(lots: Lot[] | undefined): Lot | null {
  return lots?.length ? lots.reduce((a, b) => (b.id < a.id ? b : a)) : null;
}

/** watchedLots puts the open lot first, then the others, up to the server's limit. */
function watchedLots(lots: Lot[] | undefined, open: number | null): number[] {
  const ids = (lots ?? []).map((l) => l.id).filter((id) => id !== open);
  return (open === null ? ids : [open, ...ids]).slice(0, MAX_WATCHED_LOTS);
}

function FindParking({ onBooked }: { onBooked: (b: Booking) => void }) {
  const { config } = useAuth();
  const qc = useQueryClient();
  const lots = useQuery(queries.lots('all'));
  const [picked, setLot] = useState<number | null>(null);
  // Until the driver picks one, the oldest lot is open (the demo's only one):
  // a lot created meanwhile does not change what is on screen.
  const lot = lots.data?.find((l) => l.id === picked) ?? oldest(lots.data);
  const lotId = lot?.id ?? null;
  const slots = useQuery({ ...queries.slots(lotId ?? 0), enabled: lotId !== null });
  useWatchLots(watchedLots(lots.data, lotId));
  const [slotId, setSlotId] = useState<number | null>(null);
  const [minutes, setMinutes] = useState('60');
  const [busy, run] = useBusy();
  const chosen = slots.data?.find((s) => s.id === slotId && s.free) ?? null;

  const book = (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    void run(async () => {
      try {
        const b = await api.book(chosen.id, Number(minutes));
        setSlotId(null);
        qc.setQueryData(queryKeys.booking(b.id), b);
        qc.setQueryData<Booking[]>(queryKeys.bookings(), (list) => (list?.some((x) => x.id === b.id) ? list : [b, ...(list ?? [])]));
        notify.success(`Booking #${b.id}: slot ${b.slot_number} at ${b.lot_name} until ${clockTime(b.ends_at)}.`);
        onBooked(b);
      } catch (err) {
        notify.error(errorMessage(err));
      }
    });
  };

  return (
    <Section title={<><ParkingSquare size={20} aria-hidden="true" /> Find parking</>} testId="find-parking">
      <ErrorLine error={queryError(lots)} />
      {lots.data && lots.data.length === 0 && <Empty>No parking lots yet.</Empty>}
      <div className="lot-list" role="list">
        {lots.data?.map((l) => (
          <button
            key={l.id}
            type="button"
            role="listitem"
            className={`lot ${lot?.id === l.id ? 'lot--on' : ''}`}
            data-testid="lot-option"
            data-lot-id={l.id}
            data-lot-name={l.name}
            data-free={l.free}
            onClick={() => {
              setLot(l.id);
              setSlotId(null);
            }}
          >
            <strong>{l.name}</strong>
            <span className={l.free ? 'free' : 'full'}>
              <span data-testid="lot-free">{l.free}</span> / {l.slots} free
            </span>
          </button>
        ))}
      </div>
      {lot && (
        <form className="book" onSubmit={book} data-testid="book-form" data-lot-id={lot.id}>
          <h3>{lot.name}: pick a free slot</h3>
          <div className="slots" data-testid="slot-grid">
            {slots.data?.map((s) => (
              <button
                key={s.id}
                type="button"
                className={`slot ${s.free ? '' : 'slot--taken'} ${chosen?.id === s.id ? 'slot--on' : ''}`}
                disabled={!s.free}
                aria-pressed={chosen?.id === s.id}
                data-testid={`slot-${s.number}`}
                data-free={s.free ? 'true' : 'false'}
                onClick={() => setSlotId(s.id)}
                title={s.free ? `Slot ${s.number}` : `Slot ${s.number} is taken`}
              >
                {s.number}
              </button>
            ))}
          </div>
          <div className="inline-form">
            <label className="field field--inline">
              <span>Minutes</span>
              <input type="number" min={1} max={config.max_booking_minutes} step={1} inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value)} data-testid="book-minutes" required />
            </label>
            <div className="chips">
              {MINUTE_PRESETS.map((m) => (
                <button type="button" key={m} className={`chip ${minutes === String(m) ? 'chip--on' : ''}`} onClick={() => setMinutes(String(m))}>
                  {m < 60 ? `${m} min` : `${m / 60} h`}
                </button>
              ))}
            </div>
            <span className="muted small" data-testid="book-price">
              <Money amount={priceFor(Number(minutes), config.price_per_hour)} /> at <Money amount={config.price_per_hour} /> an hour
            </span>
            <button type="submit" className="btn btn--primary" disabled={!chosen || busy} data-testid="book-submit">
              Book slot
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}
