import { Building2, CheckCircle2, Droplets, Plus, Users, Wallet } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api';
import { AssignmentList, Empty, ErrorLine, RefreshButton, Section, StatusBadge, usePolling, useBusy, useResource } from '../components/common';
import { useNotificationEvents } from '../events';
import { clockTime, timeAgo } from '../lib/time';
import notify from '../notify';
import type { CarWash } from '../types';

export function OwnerPage() {
  const lots = useResource(() => api.lots('me'), []);
  const bookings = useResource(() => api.bookings(), []);
  const payments = useResource(() => api.payments('PENDING'), []);
  const washes = useResource(() => api.carwashes(), []);
  const assignments = useResource(() => api.assignments(), []);
  const [busy, run] = useBusy();

  const reloadAll = () => {
    void lots.reload();
    void bookings.reload();
    void payments.reload();
    void washes.reload();
    void assignments.reload();
  };
  // Event 8: a new booking on one of my lots; event 10: an employee assigned.
  useNotificationEvents(['booking.created'], () => {
    void bookings.reload();
    void lots.reload();
  });
  useNotificationEvents(['assignment.created'], () => void assignments.reload());
  // Payments and car washes raise no event for the owner: poll them.
  usePolling(() => {
    void payments.reload();
    void washes.reload();
    void bookings.reload();
  }, 10_000);

  const act = (fn: () => Promise<unknown>, ok: string) =>
    void run(async () => {
      try {
        await fn();
        notify.success(ok);
      } catch (e) {
        notify.error(errorMessage(e));
      }
      reloadAll();
    });

  const myLotIds = new Set((lots.data ?? []).map((l) => l.id));
  const lotBookings = (bookings.data ?? []).filter((b) => myLotIds.size === 0 || myLotIds.has(b.lot_id));
  const activeBookings = lotBookings.filter((b) => b.status === 'ACTIVE');
  const openWashes = (washes.data ?? []).filter((w) => w.status !== 'COMPLETED');

  return (
    <main className="page" data-testid="owner-page">
      <Section title={<><Building2 size={20} aria-hidden="true" /> Your lots</>} actions={<RefreshButton onClick={reloadAll} />} testId="owner-lots">
        <ErrorLine error={lots.error} />
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
        <CreateLot onCreated={() => void lots.reload()} />
      </Section>

      <Section title={`Bookings (${activeBookings.length} active)`} testId="owner-bookings">
        <ErrorLine error={bookings.error} />
        {lotBookings.length === 0 && <Empty>No bookings yet. New ones appear here live.</Empty>}
        <ul className="rows">
          {lotBookings.slice(0, 50).map((b) => (
            <li key={b.id} className="row" data-testid="owner-booking" data-booking-id={b.id} data-status={b.status}>
              <span>
                <strong>{b.username}</strong> · {b.lot_name} slot {b.slot_number}
              </span>
              <span className="muted small">
                {clockTime(b.starts_at)}–{clockTime(b.ends_at)}
              </span>
              <StatusBadge status={b.status} />
              {b.status === 'ACTIVE' && (
                <button type="button" className="btn btn--small" disabled={busy} data-testid="complete-booking" onClick={() => act(() => api.complete(b.id), `Booking #${b.id} marked completed.`)}>
                  <CheckCircle2 size={15} aria-hidden="true" /> Complete
                </button>
              )}
            </li>
          ))}
        </ul>
      </Section>

      <Section title={<><Wallet size={20} aria-hidden="true" /> Cash payments to verify</>} actions={<RefreshButton testId="refresh-payments" onClick={() => void payments.reload()} />} testId="owner-payments">
        <ErrorLine error={payments.error} />
        {payments.data?.length === 0 && <Empty>Nothing to verify.</Empty>}
        <ul className="rows">
          {payments.data?.map((p) => (
            <li key={p.id} className="row" data-testid="pending-payment" data-payment-id={p.id} data-booking-id={p.booking_id}>
              <span>
                Booking #{p.booking_id} · <strong>{p.amount.toFixed(2)}</strong> cash
              </span>
              <span className="muted small">{timeAgo(p.created_at)}</span>
              <button type="button" className="btn btn--small" disabled={busy} data-testid="verify-payment" onClick={() => act(() => api.verifyPayment(p.id), `Payment #${p.id} verified.`)}>
                Verify
              </button>
            </li>
          ))}
        </ul>
      </Section>

      <Section title={<><Droplets size={20} aria-hidden="true" /> Car washes</>} actions={<RefreshButton testId="refresh-carwashes" onClick={() => void washes.reload()} />} testId="owner-carwashes">
        <ErrorLine error={washes.error} />
        <CarWashList washes={openWashes} busy={busy} act={act} />
      </Section>

      <Section title={<><Users size={20} aria-hidden="true" /> Employees</>} testId="owner-assignments">
        <ErrorLine error={assignments.error} />
        {assignments.data?.length === 0 && <Empty>No employee is assigned to your lots yet.</Empty>}
        <AssignmentList items={assignments.data} />
      </Section>
    </main>
  );
}

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
        <li key={w.id} className="row" data-testid="carwash" data-carwash-id={w.id} data-status={w.status}>
          <span>
            Booking #{w.booking_id} · <strong>{w.service}</strong>
          </span>
          <StatusBadge status={w.status} />
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
        </li>
      ))}
    </ul>
  );
}

function CreateLot({ onCreated }: { onCreated: () => void }) {
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
        onCreated();
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
