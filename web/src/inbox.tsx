// The inbox: past notifications and the unread count, loaded over REST and
// kept live by the notification socket (new frames, and proto=2 read / read_all
// frames from this user's other tabs and devices).

import {
  createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, type ReactNode,
} from 'react';
import { api, errorMessage } from './api';
import { useAuth } from './auth';
import { publishNotification } from './events';
import { useWebSocketNotifications } from './hooks/useWebSocketNotifications';
import { emptyInbox, inboxReducer, type InboxState } from './lib/inboxState';
import notify from './notify';

export interface InboxContextValue extends InboxState {
  isConnected: boolean;
  markRead: (id: number) => Promise<void>;
  markAllRead: () => Promise<void>;
  loadMore: () => Promise<void>;
  refresh: () => Promise<void>;
}

const InboxContext = createContext<InboxContextValue | null>(null);

export function InboxProvider({ children }: { children: ReactNode }) {
  const { user, sessionEnded } = useAuth();
  const userId = user?.id ?? null;
  const [state, dispatch] = useReducer(inboxReducer, emptyInbox);
  const countTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [page, count] = await Promise.all([api.notifications({ limit: 30 }), api.unreadCount()]);
      dispatch({ type: 'loaded', items: page.items, next: page.next, unread: count.count });
    } catch {
      /* the header shows what we have; a 401 logs out through the API layer */
    }
  }, []);

  const refreshCountSoon = useCallback(() => {
    if (countTimer.current) clearTimeout(countTimer.current);
    countTimer.current = setTimeout(() => {
      api.unreadCount().then((c) => dispatch({ type: 'count', unread: c.count })).catch(() => {});
    }, 300);
  }, []);

  useEffect(() => {
    dispatch({ type: 'reset' });
    if (userId !== null) void refresh();
    return () => {
      if (countTimer.current) clearTimeout(countTimer.current);
    };
  }, [userId, refresh]);

  const { isConnected } = useWebSocketNotifications(userId, {
    onNotification: (n) => {
      dispatch({ type: 'received', item: { ...n, read: false } });
      refreshCountSoon();
      publishNotification(n);
    },
    onRead: (ids) => {
      dispatch({ type: 'read', ids });
      refreshCountSoon();
    },
    onReadAll: (upTo) => {
      dispatch({ type: 'read_all', upTo });
      refreshCountSoon();
    },
    // After a reconnect, read-state changes made meanwhile were not sent: reload.
    onOpen: ({ reconnect }) => {
      if (reconnect) void refresh();
    },
    onSessionEnded: sessionEnded,
  });

  const markRead = useCallback(async (id: number) => {
    dispatch({ type: 'read', ids: [id] });
    try {
      await api.markRead(id);
    } catch (e) {
      notify.error(errorMessage(e));
    }
    refreshCountSoon();
  }, [refreshCountSoon]);

  const markAllRead = useCallback(async () => {
    try {
      const res = await api.markAllRead();
      dispatch({ type: 'read_all', upTo: res.up_to });
    } catch (e) {
      notify.error(errorMessage(e));
    }
    refreshCountSoon();
  }, [refreshCountSoon]);

  const loadMore = useCallback(async () => {
    if (!state.next) return;
    try {
      const page = await api.notifications({ before: state.next, limit: 30 });
      dispatch({ type: 'more', items: page.items, next: page.next });
    } catch (e) {
      notify.error(errorMessage(e));
    }
  }, [state.next]);

  const value = useMemo<InboxContextValue>(
    () => ({ ...state, isConnected, markRead, markAllRead, loadMore, refresh }),
    [state, isConnected, markRead, markAllRead, loadMore, refresh],
  );
  return <InboxContext.Provider value={value}>{children}</InboxContext.Provider>;
}

export function useInbox(): InboxContextValue {
  const ctx = useContext(InboxContext);
  if (!ctx) throw new Error('useInbox outside InboxProvider');
  return ctx;
}
