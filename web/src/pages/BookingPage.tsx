import { useQuery } from '@tanstack/react-query';
import { ArrowLeft, FileText } from 'lucide-react';
import { useAuth } from '../auth';
import { BookingCard } from '../components/BookingCard';
import { ErrorLine, Money, queryError, Section, StatusBadge } from '../components/common';
import { queries } from '../lib/queries';
import { dateTime } from '../lib/time';
import type { Booking } from '../types';

/**
 * BookingPage (#/booking/{id}) is one booking, as any role that may see it
 * sees it: where, who, when it started and ends or ended, its price, its
 * payments and car washes. The driver of an active booking gets its card,
 * with the countdown and actions. It stays live like every list.
 */
export function BookingPage({ id }: { id: number }) {
  const { user } = useAuth();
  const q = useQuery(queries.booking(id));
  const b = q.data;
  return (
    <main className="page" data-testid="booking-page" data-booking-id={id}>
      <p>
        <a href="#/" className="back-link" data-testid="back">
          <ArrowLeft size={16} aria-hidden="true" /> Back
        </a>
      </p>
      <ErrorLine error={queryError(q)} />
      {b && user?.role === 'driver' && b.user_id === user.id && b.status === 'ACTIVE' ? (
        <BookingCard initial={b} />
      ) : (
        b && <BookingDetails b={b} />
      )}
    </main>
  );
}

function BookingDetails({ b }: { b: Booking }) {
  return (
    <Section title={<><FileText size={20} aria-hidden="true" /> Booking #{b.id}</>} testId="booking-details">
      <dl className="details" data-status={b.status}>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={b.status} testId="booking-status" />
        </dd>
        <dt>Driver</dt>
        <dd>{b.username}</dd>
        <dt>Where</dt>
        <dd>
          {b.lot_name}, slot {b.slot_number}
        </dd>
        <dt>Started</dt>
        <dd>{dateTime(b.starts_at)}</dd>
        <dt>{b.ended_at ? 'Booked until' : 'Ends'}</dt>
        <dd>{dateTime(b.ends_at)}</dd>
        {b.ended_at && (
          <>
            <dt>Ended</dt>
            <dd data-testid="booking-ended">{dateTime(b.ended_at)}</dd>
          </>
        )}
        {b.price !== undefined && (
          <>
            <dt>Price</dt>
            <dd>
              <Money amount={b.price} /> {b.payment_status && <StatusBadge status={b.payment_status} />}
            </dd>
          </>
        )}
      </dl>
      {(b.payments?.length || b.carwashes?.length) ? (
        <ul className="booking__extras">
          {b.payments?.map((p) => (
            <li key={'p' + p.id} data-testid="booking-payment" data-status={p.status}>
              {p.method === 'CASH' ? 'Cash' : 'Online'} payment <Money amount={p.amount} /> <StatusBadge status={p.status} />
            </li>
          ))}
          {b.carwashes?.map((c) => (
            <li key={'c' + c.id} data-testid="booking-carwash" data-status={c.status}>
              Car wash ({c.service}) <StatusBadge status={c.status} />
            </li>
          ))}
        </ul>
      ) : null}
    </Section>
  );
}
