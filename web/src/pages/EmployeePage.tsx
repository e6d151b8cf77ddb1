import { useQuery } from '@tanstack/react-query';
import { Briefcase, Droplets } from 'lucide-react';
import { CarWashList } from '../components/CarWashList';
import { Empty, ErrorLine, queryError, Section, useAct } from '../components/common';
import { queries } from '../lib/queries';

export function EmployeePage() {
  const assignments = useQuery(queries.assignments());
  const washes = useQuery(queries.carwashes());
  const [busy, act] = useAct();
  const open = (washes.data ?? []).filter((w) => w.status !== 'COMPLETED');
  const done = (washes.data ?? []).filter((w) => w.status === 'COMPLETED');
  return (
    <main className="page" data-testid="employee-page">
      <Section title={<><Briefcase size={20} aria-hidden="true" /> Where you work</>} testId="employee-assignments">
        <ErrorLine error={queryError(assignments)} />
        {assignments.data?.length === 0 && <Empty>You are not assigned to a lot yet. You will be told here the moment you are.</Empty>}
        <ul className="rows">
          {assignments.data?.map((a) => (
            <li key={a.id} className="row" data-testid="assignment" data-lot-id={a.lot_id}>
              <strong>{a.lot_name}</strong>
            </li>
          ))}
        </ul>
      </Section>
      <Section title={<><Droplets size={20} aria-hidden="true" /> Car washes to do</>} testId="employee-carwashes">
        <ErrorLine error={queryError(washes)} />
        <CarWashList washes={open} busy={busy} act={act} />
        {done.length > 0 && <p className="muted small" data-testid="carwashes-done">{done.length} completed.</p>}
      </Section>
    </main>
  );
}
