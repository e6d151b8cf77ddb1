import { useQuery } from '@tanstack/react-query';
import { Ban, ShieldCheck, UserCog } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { AssignmentList, BookingRef, Empty, ErrorLine, Money, queryError, Section, StatusBadge, useAct } from '../components/common';
import { queries } from '../lib/queries';
import { clockTime } from '../lib/time';
import notify from '../notify';

export function AdminPage() {
  const bookings = useQuery(queries.bookings('ACTIVE'));
  const [busy, act] = useAct();

  const cancel = (id: number, who: string, where: string) =>
    void (async () => {
      const ok = await notify.confirm(`Cancel booking #${id} of ${who} (${where})? The driver is told at once.`, {
        title: `Cancel booking #${id}?`,
        confirmLabel: 'Cancel booking',
        cancelLabel: 'Keep booking',
        danger: true,
      });
      if (ok) act(() => api.cancel(id), `Booking #${id} cancelled.`);
    })();

  return (
    <main className="page" data-testid="admin-page">
      <Section title={<><ShieldCheck size={20} aria-hidden="true" /> Active bookings</>} testId="admin-bookings">
        <ErrorLine error={queryError(bookings)} />
        {bookings.data?.length === 0 && <Empty>No active booking.</Empty>}
        <ul className="rows">
          {bookings.data?.map((b) => (
            <li key={b.id} className="row" data-testid="admin-booking" data-booking-id={b.id} data-status={b.status} data-ends-at={b.ends_at} data-payment-status={b.payment_status ?? ''}>
              <span>
                <BookingRef id={b.id} /> · <strong>{b.username}</strong> · {b.lot_name} slot {b.slot_number}
              </span>
              <span className="muted small">until {clockTime(b.ends_at)}</span>
              {b.price !== undefined && <Money amount={b.price} />}
              {b.payment_status && <StatusBadge status={b.payment_status} />}
              <StatusBadge status={b.status} />
              <span className="row__actions">
                <button
                  type="button"
                  className="btn btn--small btn--danger-ghost"
                  disabled={busy}
                  data-testid="admin-cancel"
                  onClick={() => cancel(b.id, b.username, `${b.lot_name} slot ${b.slot_number}`)}
                >
                  <Ban size={15} aria-hidden="true" /> Cancel
                </button>
              </span>
            </li>
          ))}
        </ul>
      </Section>
      <AssignSection />
    </main>
  );
}

function AssignSection() {
  const employees = useQuery(queries.users('employee'));
  const lots = useQuery(queries.lots('all'));
  const assignments = useQuery(queries.assignments());
  const [busy, act] = useAct();
  const [employeeId, setEmployeeId] = useState('');
  const [lotId, setLotId] = useState('');
  const assign = (e: FormEvent) => {
    e.preventDefault();
    act(() => api.assign(Number(employeeId), Number(lotId)), (a) => `${a.employee} assigned to ${a.lot_name}.`);
  };
  return (
    <Section title={<><UserCog size={20} aria-hidden="true" /> Assign an employee</>} testId="admin-assign">
      <ErrorLine error={queryError(employees) ?? queryError(lots) ?? queryError(assignments)} />
      <form className="inline-form" onSubmit={assign}>
        <label className="field field--inline">
          <span>Employee</span>
          <select value={employeeId} onChange={(e) => setEmployeeId(e.target.value)} required data-testid="assign-employee">
            <option value="">Choose…</option>
            {employees.data?.map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
              </option>
            ))}
          </select>
        </label>
        <label className="field field--inline">
          <span>Lot</span>
          <select value={lotId} onChange={(e) => setLotId(e.target.value)} required data-testid="assign-lot">
            <option value="">Choose…</option>
            {lots.data?.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn--primary" disabled={busy} data-testid="assign-submit">
          Assign
        </button>
      </form>
      {assignments.data?.length === 0 && <Empty>No assignment yet.</Empty>}
      <AssignmentList items={assignments.data} />
    </Section>
  );
}
