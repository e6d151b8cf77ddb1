import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { applyInbox } from './inbox';
import { emptyInbox, inboxReducer, type InboxState } from './lib/inboxState';
import { queryKeys } from './lib/queries';
import { notification } from './test/fakes';
import type { Notification } from './types';

function loaded(unread: number, ids: number[]) {
  const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity } } });
  const items = ids.map((id) => ({ ...notification(id), read: false }) as Notification);
  qc.setQueryData(queryKeys.inbox, inboxReducer(emptyInbox, { type: 'loaded', items, next: null, unread }));
  return qc;
}
const inbox = (qc: QueryClient) => qc.getQueryData<InboxState>(queryKeys.inbox)!;
const stale = (qc: QueryClient) => qc.getQueryState(queryKeys.inbox)!.isInvalidated;

describe('applyInbox', () => {
  it('patches the cached inbox for new and read frames, with no request', () => {
    const qc = loaded(2, [2, 1]);
    applyInbox(qc, { type: 'received', item: { ...notification(3), read: false } as Notification });
    expect(inbox(qc).unread).toBe(3);
    applyInbox(qc, { type: 'read', ids: [1, 3] });
    expect(inbox(qc).unread).toBe(1);
    applyInbox(qc, { type: 'read_all', upTo: 3 });
    expect(inbox(qc).unread).toBe(0);
    expect(stale(qc)).toBe(false);
  });

  it('a read frame about a notification that is not loaded refetches (the count cannot be worked out)', () => {
    const qc = loaded(40, [50, 49]);
    applyInbox(qc, { type: 'read', ids: [7] });
    expect(stale(qc)).toBe(true);
  });

  it('does nothing before the inbox is loaded', () => {
    const qc = new QueryClient();
    applyInbox(qc, { type: 'received', item: notification(1) as Notification });
    expect(qc.getQueryData(queryKeys.inbox)).toBeUndefined();
  });
});
