// The inbox: past notifications and the unread count in one TanStack Query
// entry (key "inbox": the newest page and the count, loaded together), kept
// live by the socket (lib/live.tsx patches it through applyInbox: new
// frames, and read / read_all frames from this user's other tabs and
// devices) and refetched after a reconnect like every query.

import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo } from 'react';
import { api, errorMessage } from './api';
import { useAuth } from './auth';
import { emptyInbox, inboxReducer, type InboxAction, type InboxState } from './lib/inboxState';
import { queryKeys } from './lib/queries';
import notify from './notify';

export const INBOX_PAGE = 30;

/** inboxQuery loads the newest page and the unread count. */
export const inboxQuery = {
  queryKey: queryKeys.inbox,
  queryFn: async (): Promise<InboxState> => {
    const [page, count] = await Promise.all([api.notifications({ limit: INBOX_PAGE }), api.unreadCount()]);
    return inboxReducer(emptyInbox, { type: 'loaded', items: page.items, next: page.next, unread: count.count });
  },
};

/**
 * applyInbox patches the cached inbox. A read frame naming a notification
 * that is not loaded changes a count the page cannot work out: it refetches.
 */
export function applyInbox(qc: QueryClient, action: InboxAction): void {
  const state = qc.getQueryData<InboxState>(queryKeys.inbox);
  if (!state) return; // not loaded yet: the load brings it
  qc.setQueryData<InboxState>(queryKeys.inbox, inboxReducer(state, action));
  // After the patch: setting data would clear the invalidation.
  if (qc.getQueryState(queryKeys.inbox)?.fetchStatus === 'fetching') {
    // A load under way may have read the inbox before this change: load it again.
    void qc.refetchQueries({ queryKey: queryKeys.inbox, exact: true });
  } else if (action.type === 'read' && action.ids.some((id) => !state.items.some((n) => n.id === id))) {
    void qc.invalidateQueries({ queryKey: queryKeys.inbox, exact: true });
  }
}

export interface InboxValue extends InboxState {
  markRead: (id: number) => Promise<void>;
  markAllRead: () => Promise<void>;
  loadMore: () => Promise<void>;
}

/** useInbox is the signed-in user's inbox. */
export function useInbox(): InboxValue {
  const { user } = useAuth();
  const qc = useQueryClient();
  const q = useQuery({ ...inboxQuery, enabled: user !== null });
  const state = q.data ?? emptyInbox;

  const markRead = useCallback(async (id: number) => {
    applyInbox(qc, { type: 'read', ids: [id] });
    try {
      await api.markRead(id);
    } catch (e) {
      notify.error(errorMessage(e));
      void qc.invalidateQueries({ queryKey: queryKeys.inbox });
    }
  }, [qc]);

  const markAllRead = useCallback(async () => {
    try {
      const res = await api.markAllRead();
      applyInbox(qc, { type: 'read_all', upTo: res.up_to });
    } catch (e) {
      notify.error(errorMessage(e));
    }
  }, [qc]);

  const next = state.next;
  const loadMore = useCallback(async () => {
    if (!next) return;
    try {
      // An older page, fetched through the client (kept briefly), merged into the inbox.
      const page = await qc.fetchQuery({
        queryKey: [...queryKeys.inbox, 'before', next],
        queryFn: () => api.notifications({ before: next, limit: INBOX_PAGE }),
        staleTime: 0,
        gcTime: 0,
      });
      applyInbox(qc, { type: 'more', items: page.items, next: page.next });
    } catch (e) {
      notify.error(errorMessage(e));
    }
  }, [qc, next]);

  return useMemo(() => ({ ...state, markRead, markAllRead, loadMore }), [state, markRead, markAllRead, loadMore]);
}

/** useUnreadTitle shows the unread count in the tab's title: "(3) ParkMate Notify". */
export function useUnreadTitle(unread: number, base = 'ParkMate Notify'): void {
  useEffect(() => {
    document.title = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${base}` : base;
    return () => {
      document.title = base;
    };
  }, [unread, base]);
}
