import { Banknote, CreditCard, Droplets, MapPin, RotateCw, XCircle } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../api';
import { useAuth } from '../auth';
import { useNotificationEvents } from '../events';
import { clockTime } from '../lib/time';
import notify from '../notify';
import type { Booking } from '../types';
import { BookingCountdown } from './BookingCountdown';
import { StatusBadge, useBusy, useResource } from './common';

// Events whose frames change this booking: refetch it when one names it.
const BOOKING_EVENTS = [
  'booking.renewed', 'booking.renew_failed', 'booking.completed', 'booking.cancelled_by_admin',
  'booking.expired', 'payment.verified', 'carwash.completed',
];

/** BookingCard is the driver's booking confirmation: countdown, renew, pay, car wash, cancel. */
export function BookingCard({ initial, onChanged }: { initial: Booking; onChanged: () => void }) {
  const { user, config } = useAuth();
  const detail = useResource(() => api.booking(initial.id), [initial.id]);
  const b: Booking = { ...initial, ...(detail.data ?? {}) };
  const active = b.status === 'ACTIVE';

  useNotificationEvents(BOOKING_EVENTS, (n) => {
    if (Number(n.data?.['booking_id']) === b.id) {
      void detail.reload();
      onChanged();
    }
  });

  const [renewMinutes, setRenewMinutes] = useState('30');
  const [method, setMethod] = useState<'CASH' | 'ONLINE'>('CASH');
  const [amount, setAmount] = useState('5');
  const [service, setService] = useState(config.carwash_services[0] ?? 'exterior');
  const [busy, run] = useBusy();

  const renew = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        await api.renew(b.id, Number(renewMinutes));
        // Event 3 (success) arrives on the socket.
      } catch (err) {
        // Event 4 arrives on the socket for a refused renewal; toast anything else.
        const byServer = err instanceof ApiError && (err.code === 'booking_not_active' || err.code === 'max_length_exceeded');
        if (!byServer) notify.error(errorMessage(err));
      }
      await detail.reload();
      onChanged();
    });
  };

  const pay = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        const p = await api.pay(b.id, method, Number(amount));
        if (p.status === 'PENDING') notify.info('Cash payment recorded. The lot owner will verify it.');
        else notify.success(`Paid ${p.amount.toFixed(2)} online.`);
      } catch (err) {
        notify.error(errorMessage(err));
      }
      await detail.reload();
    });
  };

  const orderWash = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        await api.orderCarWash(b.id, service);
        notify.info(`Car wash (${service}) ordered.`);
      } catch (err) {
        notify.error(errorMessage(err));
      }
      await detail.reload();
    });
  };

  const cancel = () =>
    void run(async () => {
      if (!(await notify.confirm(`Cancel your booking at ${b.lot_name}, slot ${b.slot_number}?`))) return;
      try {
        await api.cancel(b.id);
        notify.info('Booking cancelled.');
      } catch (err) {
        notify.error(errorMessage(err));
      }
      await detail.reload();
      onChanged();
    });

  return (
    <article className={`booking ${active ? 'booking--active' : ''}`} data-testid="booking-card" data-booking-id={b.id} data-status={b.status}>
      <header className="booking__head">
        <div>
          <h3>
            <MapPin size={18} aria-hidden="true" /> {b.lot_name} · slot {b.slot_number}
          </h3>
          <p className="muted small">
            Booking #{b.id} · {clockTime(b.starts_at)}–{clockTime(b.ends_at)}
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
          onExpired={() => {
            // Sync with the server (it releases the slot): poll a few times.
            [1500, 4000, 10000].forEach((ms) => setTimeout(() => { void detail.reload(); onChanged(); }, ms));
          }}
        />
      )}

      {active && (
        <div className="booking__actions">
          <form className="inline-form" onSubmit={renew}>
            <label className="field field--inline">
              <span>Renew by (min)</span>
              <input type="number" min={1} step={1} inputMode="numeric" value={renewMinutes} onChange={(e) => setRenewMinutes(e.target.value)} data-testid="renew-minutes" required />
            </label>
            <button type="submit" className="btn" disabled={busy} data-testid="renew-submit">
              <RotateCw size={16} aria-hidden="true" /> Renew
            </button>
            <span className="muted small">max {Math.round(config.max_booking_minutes / 60)} h in total</span>
          </form>

          <form className="inline-form" onSubmit={pay}>
            <label className="field field--inline">
              <span>Pay</span>
              <select value={method} onChange={(e) => setMethod(e.target.value as 'CASH' | 'ONLINE')} data-testid="pay-method">
                <option value="CASH">Cash</option>
                <option value="ONLINE">Online</option>
              </select>
            </label>
            <label className="field field--inline">
              <span>Amount</span>
              <input type="number" min={0.01} step={0.01} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="pay-amount" required />
            </label>
            <button type="submit" className="btn" disabled={busy} data-testid="pay-submit">
              {method === 'CASH' ? <Banknote size={16} aria-hidden="true" /> : <CreditCard size={16} aria-hidden="true" />} Pay
            </button>
          </form>

          <form className="inline-form" onSubmit={orderWash}>
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

          <button type="button" className="btn btn--danger-ghost" disabled={busy} onClick={cancel} data-testid="cancel-own-booking">
            <XCircle size={16} aria-hidden="true" /> Cancel booking
          </button>
        </div>
      )}

      {(b.payments?.length || b.carwashes?.length) ? (
        <ul className="booking__extras">
          {b.payments?.map((p) => (
            <li key={'p' + p.id} data-testid="booking-payment" data-status={p.status}>
              {p.method === 'CASH' ? 'Cash' : 'Online'} payment {p.amount.toFixed(2)} <StatusBadge status={p.status} />
            </li>
          ))}
          {b.carwashes?.map((c) => (
            <li key={'c' + c.id} data-testid="booking-carwash" data-status={c.status}>
              Car wash ({c.service}) <StatusBadge status={c.status} />
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}
