import { Ban, ShieldCheck, UserCog } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api';
import { AssignmentList, Empty, ErrorLine, RefreshButton, Section, StatusBadge, usePolling, useBusy, useResource } from '../components/common';
import { clockTime } from '../lib/time';
import notify from '../notify';

export function AdminPage() {
  const bookings = useResource(() => api.bookings('ACTIVE'), []);
  const employees = useResource(() => api.users('employee'), []);
  const lots = useResource(() => api.lots(), []);
  const assignments = useResource(() => api.assignments(), []);
  const [busy, run] = useBusy();
  const [employeeId, setEmployeeId] = useState('');
  const [lotId, setLotId] = useState('');
  usePolling(() => void bookings.reload(), 10_000);

  const cancel = (id: number, who: string) =>
    void run(async () => {
      if (!(await notify.confirm(`Cancel booking #${id} of ${who}? The driver is told at once.`))) return;
      try {
        await api.cancel(id);
        notify.success(`Booking #${id} cancelled.`);
      } catch (e) {
        notify.error(errorMessage(e));
      }
      void bookings.reload();
    });

  const assign = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        const a = await api.assign(Number(employeeId), Number(lotId));
        notify.success(`${a.employee} assigned to ${a.lot_name}.`);
      } catch (err) {
        notify.error(errorMessage(err));
      }
      void assignments.reload();
    });
  };

  return (
    <main className="page" data-testid="admin-page">
      <Section title={<><ShieldCheck size={20} aria-hidden="true" /> Active bookings</>} actions={<RefreshButton onClick={() => void bookings.reload()} />} testId="admin-bookings">
        <ErrorLine error={bookings.error} />
        {bookings.data?.length === 0 && <Empty>No active booking.</Empty>}
        <ul className="rows">
          {bookings.data?.map((b) => (
            <li key={b.id} className="row" data-testid="admin-booking" data-booking-id={b.id} data-status={b.status}>
              <span>
                #{b.id} <strong>{b.username}</strong> · {b.lot_name} slot {b.slot_number}
              </span>
              <span className="muted small">until {clockTime(b.ends_at)}</span>
              <StatusBadge status={b.status} />
              <button type="button" className="btn btn--small btn--danger-ghost" disabled={busy} data-testid="admin-cancel" onClick={() => cancel(b.id, b.username)}>
                <Ban size={15} aria-hidden="true" /> Cancel
              </button>
            </li>
          ))}
        </ul>
      </Section>

      <Section title={<><UserCog size={20} aria-hidden="true" /> Assign an employee</>} testId="admin-assign">
        <ErrorLine error={employees.error || lots.error} />
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
          <RefreshButton testId="refresh-assign-options" onClick={() => { void employees.reload(); void lots.reload(); }} />
        </form>
        {assignments.data?.length === 0 && <Empty>No assignment yet.</Empty>}
        <AssignmentList items={assignments.data} />
      </Section>
    </main>
  );
}
