import { Briefcase, Droplets } from 'lucide-react';
import { api, errorMessage } from '../api';
import { Empty, ErrorLine, RefreshButton, Section, usePolling, useBusy, useResource } from '../components/common';
import { useNotificationEvents } from '../events';
import notify from '../notify';
import { CarWashList } from './OwnerPage';

export function EmployeePage() {
  const assignments = useResource(() => api.assignments(), []);
  const washes = useResource(() => api.carwashes(), []);
  const [busy, run] = useBusy();
  useNotificationEvents(['assignment.created'], () => {
    void assignments.reload();
    void washes.reload();
  });
  usePolling(() => void washes.reload(), 10_000);

  const act = (fn: () => Promise<unknown>, ok: string) =>
    void run(async () => {
      try {
        await fn();
        notify.success(ok);
      } catch (e) {
        notify.error(errorMessage(e));
      }
      void washes.reload();
    });

  const open = (washes.data ?? []).filter((w) => w.status !== 'COMPLETED');
  const done = (washes.data ?? []).filter((w) => w.status === 'COMPLETED');
  return (
    <main className="page" data-testid="employee-page">
      <Section title={<><Briefcase size={20} aria-hidden="true" /> Where you work</>} testId="employee-assignments">
        <ErrorLine error={assignments.error} />
        {assignments.data?.length === 0 && <Empty>You are not assigned to a lot yet. You will be told here the moment you are.</Empty>}
        <ul className="rows">
          {assignments.data?.map((a) => (
            <li key={a.id} className="row" data-testid="assignment" data-lot-id={a.lot_id}>
              <strong>{a.lot_name}</strong>
            </li>
          ))}
        </ul>
      </Section>
      <Section title={<><Droplets size={20} aria-hidden="true" /> Car washes to do</>} actions={<RefreshButton onClick={() => void washes.reload()} />} testId="employee-carwashes">
        <ErrorLine error={washes.error} />
        <CarWashList washes={open} busy={busy} act={act} />
        {done.length > 0 && <p className="muted small">{done.length} completed.</p>}
      </Section>
    </main>
  );
}
