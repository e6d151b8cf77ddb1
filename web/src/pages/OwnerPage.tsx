import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Building2, CalendarClock, CheckCircle2, Droplets, Plus, Users, Wallet } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api';
import { CarWashList } from '../components/CarWashList';
import { AssignmentList, BookingRef, Empty, ErrorLine, Money, queryError, Section, StatusBadge, useAct, useBusy } from '../components/common';
import { MAX_WATCHED_LOTS, useWatchLots } from '../live';
import { queries, queryKeys } from '../lib/queries';
import { clockTime, timeAgo } from '../lib/time';
import notify from '../notify';
import type { Booking, Lot } from '../types';

/** BOOKINGS_SHOWN is how many of the lots' newest bookings the owner sees. */
const BOOKINGS_SHOWN = 50;

export function OwnerPage() {
  const lots = useQuery(queries.lots('mine'));
  const bookings = useQuery(queries.bookings());
  const payments = useQuery(queries.payments('PENDING'));
  const washes = useQuery(queries.carwashes());
  const assignments = useQuery(queries.assignments());
  const [busy, act] = useAct();
  useWatchLots((lots.data ?? []).map((l) => l.id).slice(0, MAX_WATCHED_LOTS));

  const all = bookings.data ?? [];
  const activeCount = all.filter((b) => b.status === 'ACTIVE').length;
  const openWashes = (washes.data ?? []).filter((w) => w.status !== 'COMPLETED');

  return (
    <main className="page" data-testid="owner-page">
      <Section title={<><Building2 size={20} aria-hidden="true" /> Your lots</>} testId="owner-lots">
        <ErrorLine error={queryError(lots)} />
        {lots.data?.length === 0 && <Empty>You have no lot yet: create one below.</Empty>}
        <ul className="rows">
          {lots.data?.map((l) => (
            <li key={l.id} className="row" data-testid="owner-lot" data-lot-id={l.id} data-lot-name={l.name}>
              <strong>{l.name}</strong>
              <span className="muted">
                <span data-testid="owner-lot-free">{l.free}</span> / {l.slots} free
              </span>
            </li>
          ))}
        </ul>
        <CreateLot />
      </Section>

      <Section title={<><CalendarClock size={20} aria-hidden="true" /> Bookings ({activeCount} active)</>} testId="owner-bookings">
        <ErrorLine error={queryError(bookings)} />
        {all.length === 0 && <Empty>No bookings yet. New ones appear here live.</Empty>}
        <ul className="rows">
          {all.slice(0, BOOKINGS_SHOWN).map((b) => (
            <OwnerBookingRow key={b.id} b={b} busy={busy} onComplete={() => act(() => api.complete(b.id), `Booking #${b.id} marked completed.`)} />
          ))}
        </ul>
      </Section>

      <Section title={<><Wallet size={20} aria-hidden="true" /> Cash payments to verify</>} testId="owner-payments">
        <ErrorLine error={queryError(payments)} />
        {payments.data?.length === 0 && <Empty>Nothing to verify.</Empty>}
        <ul className="rows">
          {payments.data?.map((p) => (
            <li key={p.id} className="row" data-testid="pending-payment" data-payment-id={p.id} data-booking-id={p.booking_id}>
              <span>
                <BookingRef id={p.booking_id} /> · <strong data-testid="payment-driver">{p.driver ?? ''}</strong> · {p.lot_name} slot {p.slot_number}
              </span>
              <span>
                <Money amount={p.amount} /> cash
              </span>
              <span className="muted small">{timeAgo(p.created_at)}</span>
              <span className="row__actions">
                <button type="button" className="btn btn--small" disabled={busy} data-testid="verify-payment" onClick={() => act(() => api.verifyPayment(p.id), `Payment #${p.id} verified.`)}>
                  Verify
                </button>
              </span>
            </li>
          ))}
        </ul>
      </Section>

      <Section title={<><Droplets size={20} aria-hidden="true" /> Car washes</>} testId="owner-carwashes">
        <ErrorLine error={queryError(washes)} />
        <CarWashList washes={openWashes} busy={busy} act={act} />
      </Section>

      <Section title={<><Users size={20} aria-hidden="true" /> Employees</>} testId="owner-assignments">
        <ErrorLine error={queryError(assignments)} />
        {assignments.data?.length === 0 && <Empty>No employee is assigned to your lots yet.</Empty>}
        <AssignmentList items={assignments.data} />
      </Section>
    </main>
  );
}

function OwnerBookingRow({ b, busy, onComplete }: { b: Booking; busy: boolean; onComplete: () => void }) {
  return (
    <li className="row" data-testid="owner-booking" data-booking-id={b.id} data-status={b.status} data-ends-at={b.ends_at} data-payment-status={b.payment_status ?? ''}>
      <span>
        <BookingRef id={b.id} /> · <strong>{b.username}</strong> · {b.lot_name} slot {b.slot_number}
      </span>
      <span className="muted small">
        {clockTime(b.starts_at)}–{clockTime(b.ended_at ?? b.ends_at)}
      </span>
      {b.price !== undefined && <Money amount={b.price} />}
      {b.payment_status && <StatusBadge status={b.payment_status} testId="owner-booking-payment" />}
      <StatusBadge status={b.status} />
      {b.status === 'ACTIVE' && (
        <span className="row__actions">
          <button type="button" className="btn btn--small" disabled={busy} data-testid="complete-booking" onClick={onComplete}>
            <CheckCircle2 size={15} aria-hidden="true" /> Complete
          </button>
        </span>
      )}
    </li>
  );
}

function CreateLot() {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [slots, setSlots] = useState('12');
  const [busy, run] = useBusy();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        const lot = await api.createLot(name.trim(), Number(slots));
        notify.success(`Lot "${lot.name}" created with ${lot.slots} slots.`);
        setName('');
        // Shown at once here; the `changed` frame about the lot refreshes every page's lists.
        qc.setQueryData<Lot[]>(queryKeys.lots('mine'), (list) => (list?.some((l) => l.id === lot.id) ? list : [...(list ?? []), lot]));
      } catch (err) {
        notify.error(errorMessage(err));
      }
    });
  };
  return (
    <form className="inline-form create-lot" onSubmit={submit} data-testid="create-lot-form">
      <label className="field field--inline">
        <span>New lot</span>
        <input placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} data-testid="lot-name" />
      </label>
      <label className="field field--inline">
        <span>Slots</span>
        <input type="number" min={1} max={500} value={slots} onChange={(e) => setSlots(e.target.value)} required data-testid="lot-slots" />
      </label>
      <button type="submit" className="btn btn--primary" disabled={busy} data-testid="lot-create">
        <Plus size={16} aria-hidden="true" /> Create lot
      </button>
    </form>
  );
}
