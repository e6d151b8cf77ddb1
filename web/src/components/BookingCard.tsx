import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Banknote, CreditCard, Droplets, MapPin, RotateCw, XCircle } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { patchBooking, renewBooking } from '../actions';
import { api, errorMessage } from '../api';
import { useAuth } from '../auth';
import { useLive } from '../live';
import { amountDue, payState } from '../lib/money';
import { queries } from '../lib/queries';
import { clockTime } from '../lib/time';
import notify from '../notify';
import type { Booking } from '../types';
import { BookingCountdown } from './BookingCountdown';
import { Money, StatusBadge, useBusy } from './common';

/**
 * BookingCard is the driver's booking: countdown, renew, pay, car wash,
 * cancel. It shows the booking's detail query (with payments and car
 * washes), which the socket's `changed` frames keep current.
 */
export function BookingCard({ initial }: { initial: Booking }) {
  const { user, config } = useAuth();
  const live = useLive();
  const qc = useQueryClient();
  const detail = useQuery({ ...queries.booking(initial.id), placeholderData: initial });
  const b: Booking = { ...initial, ...(detail.data ?? {}) };
  const active = b.status === 'ACTIVE';
  const [busy, run] = useBusy();

  const cancel = () =>
    void run(async () => {
      const ok = await notify.confirm(`Cancel booking #${b.id} at ${b.lot_name}, slot ${b.slot_number}? The slot is released at once.`, {
        title: 'Cancel this booking?',
        confirmLabel: 'Cancel booking',
        cancelLabel: 'Keep booking',
        danger: true,
      });
      if (!ok) return;
      try {
        patchBooking(qc, await api.cancel(b.id));
        notify.info(`Booking #${b.id} cancelled.`);
      } catch (err) {
        notify.error(errorMessage(err));
      }
    });

  return (
    <article className={`booking ${active ? 'booking--active' : ''}`} data-testid="booking-card" data-booking-id={b.id} data-status={b.status} data-ends-at={b.ends_at}>
      <header className="booking__head">
        <div>
          <h3>
            <MapPin size={18} aria-hidden="true" /> {b.lot_name} · slot {b.slot_number}
          </h3>
          <p className="muted small">
            Booking #{b.id} · {clockTime(b.starts_at)}–<span data-testid="booking-ends">{clockTime(b.ends_at)}</span>
            {b.price !== undefined && <> · <Money amount={b.price} testId="booking-price" /></>}
          </p>
        </div>
        <StatusBadge status={b.status} testId="booking-status" />
      </header>

      {active && user && (
        <BookingCountdown
          bookingId={b.id}
          userId={user.id}
          endsAt={b.ends_at}
          warningSeconds={config.expiry_warning_seconds}
          messages={config.messages}
          present={live.router ? (key, n) => live.router!.routeTimer(key, n) : undefined}
        />
      )}

      {active && user && (
        <div className="booking__actions">
          <RenewForm booking={b} userId={user.id} busy={busy} run={run} />
          <PayForm booking={b} busy={busy} run={run} />
          <CarWashForm booking={b} busy={busy} run={run} />
          <button type="button" className="btn btn--danger-ghost" disabled={busy} onClick={cancel} data-testid="cancel-own-booking">
            <XCircle size={16} aria-hidden="true" /> Cancel booking
          </button>
        </div>
      )}

      {(b.payments?.length || b.carwashes?.length) ? (
        <ul className="booking__extras">
          {b.payments?.map((p) => (
            <li key={'p' + p.id} data-testid="booking-payment" data-payment-id={p.id} data-status={p.status}>
              {p.method === 'CASH' ? 'Cash' : 'Online'} payment <Money amount={p.amount} /> <StatusBadge status={p.status} />
            </li>
          ))}
          {b.carwashes?.map((c) => (
            <li key={'c' + c.id} data-testid="booking-carwash" data-carwash-id={c.id} data-status={c.status}>
              Car wash ({c.service}) <StatusBadge status={c.status} />
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}

type Run = ReturnType<typeof useBusy>[1];

/** addOnce appends item unless the list has it (the socket's refetch may have brought it first). */
function addOnce<T extends { id: number }>(list: T[] | undefined, item: T): T[] {
  return list?.some((x) => x.id === item.id) ? list : [...(list ?? []), item];
}

function RenewForm({ booking, userId, busy, run }: { booking: Booking; userId: number; busy: boolean; run: Run }) {
  const { config } = useAuth();
  const qc = useQueryClient();
  const [minutes, setMinutes] = useState('30');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => renewBooking(qc, userId, booking.id, Number(minutes)));
  };
  return (
    <form className="action-row" onSubmit={submit}>
      <label className="field field--inline">
        <span>Renew by (min)</span>
        <input type="number" min={1} step={1} inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value)} data-testid="renew-minutes" required />
      </label>
      <button type="submit" className="btn" disabled={busy} data-testid="renew-submit">
        <RotateCw size={16} aria-hidden="true" /> Renew
      </button>
      <span className="muted small action-row__note">max {Math.round(config.max_booking_minutes / 60)} h in total</span>
    </form>
  );
}

const PAY_LABEL = { pending: 'Awaiting verification', paid: 'Paid', free: 'Nothing to pay' } as const;

function PayForm({ booking, busy, run }: { booking: Booking; busy: boolean; run: Run }) {
  const qc = useQueryClient();
  const [method, setMethod] = useState<'CASH' | 'ONLINE'>('CASH');
  const state = payState(booking);
  const due = amountDue(booking);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        const p = await api.pay(booking.id, method, due);
        qc.setQueryData<Booking>(queries.booking(booking.id).queryKey, (old) =>
          old ? { ...old, payment_status: p.status, payments: addOnce(old.payments, p) } : old,
        );
        if (p.status === 'PENDING') notify.info('Cash payment recorded. The lot owner will verify it.');
        else notify.success('Paid online.');
      } catch (err) {
        notify.error(errorMessage(err));
      }
    });
  };
  return (
    <form className="action-row" onSubmit={submit} data-testid="pay-form" data-pay-state={state}>
      <label className="field field--inline">
        <span>Pay</span>
        <select value={method} onChange={(e) => setMethod(e.target.value as 'CASH' | 'ONLINE')} disabled={state !== 'due'} data-testid="pay-method">
          <option value="CASH">Cash</option>
          <option value="ONLINE">Online</option>
        </select>
      </label>
      <button type="submit" className="btn" disabled={busy || state !== 'due'} data-testid="pay-submit">
        {method === 'CASH' ? <Banknote size={16} aria-hidden="true" /> : <CreditCard size={16} aria-hidden="true" />}
        {state === 'due' ? <>Pay <Money amount={due} testId="pay-amount" /></> : PAY_LABEL[state]}
      </button>
    </form>
  );
}

function CarWashForm({ booking, busy, run }: { booking: Booking; busy: boolean; run: Run }) {
  const { config } = useAuth();
  const qc = useQueryClient();
  const [service, setService] = useState(config.carwash_services[0] ?? 'exterior');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        const c = await api.orderCarWash(booking.id, service);
        qc.setQueryData<Booking>(queries.booking(booking.id).queryKey, (old) => (old ? { ...old, carwashes: addOnce(old.carwashes, c) } : old));
        notify.info(`Car wash (${service}) ordered.`);
      } catch (err) {
        notify.error(errorMessage(err));
      }
    });
  };
  return (
    <form className="action-row" onSubmit={submit}>
      <label className="field field--inline">
        <span>Car wash</span>
        <select value={service} onChange={(e) => setService(e.target.value)} data-testid="carwash-service">
          {config.carwash_services.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="btn" disabled={busy} data-testid="carwash-order">
        <Droplets size={16} aria-hidden="true" /> Order
      </button>
    </form>
  );
}
