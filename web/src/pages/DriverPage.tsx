import { Car, ParkingSquare } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api';
import { useAuth } from '../auth';
import { BookingCard } from '../components/BookingCard';
import { Empty, ErrorLine, RefreshButton, Section, StatusBadge, useBusy, useResource } from '../components/common';
import { useNotificationEvents } from '../events';
import { clockTime } from '../lib/time';
import notify from '../notify';
import type { Booking, Lot } from '../types';

const MINUTE_PRESETS = [1, 30, 60, 120];

export function DriverPage() {
  const bookings = useResource(() => api.bookings(), []);
  const [justBooked, setJustBooked] = useState<number | null>(null);
  useNotificationEvents(['booking.expired', 'booking.completed', 'booking.cancelled_by_admin'], () => void bookings.reload());

  const all = bookings.data ?? [];
  const active = all.filter((b) => b.status === 'ACTIVE');
  const past = all.filter((b) => b.status !== 'ACTIVE');

  return (
    <main className="page" data-testid="driver-page">
      <Section title={<><Car size={20} aria-hidden="true" /> Your bookings</>} actions={<RefreshButton onClick={() => void bookings.reload()} />} testId="driver-bookings">
        <ErrorLine error={bookings.error} />
        {justBooked !== null && active.some((b) => b.id === justBooked) && (
          <p className="confirmation" data-testid="booking-confirmation">
            Booked! Your slot is held until the timer runs out. Renew it before then if you need more time.
          </p>
        )}
        {active.length === 0 && !bookings.loading && <Empty>No active booking. Find a free slot below.</Empty>}
        <div className="grid">
          {active.map((b) => (
            <BookingCard key={b.id} initial={b} onChanged={() => void bookings.reload()} />
          ))}
        </div>
      </Section>

      <FindParking
        onBooked={(b) => {
          setJustBooked(b.id);
          void bookings.reload();
        }}
      />

      {past.length > 0 && (
        <Section title="History" testId="driver-history">
          <ul className="rows">
            {past.map((b) => (
              <BookingRow key={b.id} b={b} />
            ))}
          </ul>
        </Section>
      )}
    </main>
  );
}

function BookingRow({ b }: { b: Booking }) {
  return (
    <li className="row" data-testid="history-booking" data-booking-id={b.id} data-status={b.status}>
      <span>
        #{b.id} {b.lot_name} · slot {b.slot_number}
      </span>
      <span className="muted small">
        {clockTime(b.starts_at)}–{clockTime(b.ends_at)}
      </span>
      <StatusBadge status={b.status} />
    </li>
  );
}

function FindParking({ onBooked }: { onBooked: (b: Booking) => void }) {
  const { config } = useAuth();
  const lots = useResource(() => api.lots(), []);
  const [picked, setLot] = useState<Lot | null>(null);
  // With a single lot (e.g. the demo's), it is open straight away.
  const lot = picked ?? (lots.data?.length === 1 ? lots.data[0] : null);
  const lotId = lot?.id ?? null;
  const slots = useResource(() => (lotId === null ? Promise.resolve([]) : api.slots(lotId)), [lotId]);
  const [slotId, setSlotId] = useState<number | null>(null);
  const [minutes, setMinutes] = useState('60');
  const [busy, run] = useBusy();
  useNotificationEvents(['booking.expired', 'booking.completed', 'booking.cancelled_by_admin'], () => {
    void lots.reload();
    void slots.reload();
  });
  const book = (e: FormEvent) => {
    e.preventDefault();
    if (slotId === null) return;
    void run(async () => {
      try {
        const b = await api.book(slotId, Number(minutes));
        setSlotId(null);
        onBooked(b);
      } catch (err) {
        notify.error(errorMessage(err));
      }
      void lots.reload();
      void slots.reload();
    });
  };

  return (
    <Section
      title={<><ParkingSquare size={20} aria-hidden="true" /> Find parking</>}
      actions={<RefreshButton testId="refresh-lots" onClick={() => { void lots.reload(); void slots.reload(); }} />}
      testId="find-parking"
    >
      <ErrorLine error={lots.error} />
      {lots.data && lots.data.length === 0 && <Empty>No parking lots yet.</Empty>}
      {lots.data && lots.data.length > 1 && !lot && <p className="muted small">Pick a lot to see its free slots.</p>}
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
            onClick={() => {
              setLot(l);
              setSlotId(null);
            }}
          >
            <strong>{l.name}</strong>
            <span className={l.free ? 'free' : 'full'}>
              {l.free} / {l.slots} free
            </span>
          </button>
        ))}
      </div>

      {lot && (
        <form className="book" onSubmit={book} data-testid="book-form">
          <h3>{lot.name}: pick a free slot</h3>
          <div className="slots" data-testid="slot-grid">
            {slots.data?.map((s) => (
              <button
                key={s.id}
                type="button"
                className={`slot ${s.free ? '' : 'slot--taken'} ${slotId === s.id ? 'slot--on' : ''}`}
                disabled={!s.free}
                aria-pressed={slotId === s.id}
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
            <button type="submit" className="btn btn--primary" disabled={slotId === null || busy} data-testid="book-submit">
              Book slot
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}
