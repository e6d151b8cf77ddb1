// Server state: one TanStack Query key per thing a screen shows, the fetch
// behind it, and the client's rules. Nothing polls and nothing refetches on
// focus: data stays fresh until a socket frame says it changed
// (lib/liveUpdates.ts), and after a reconnect every active query is
// refetched once (the frames sent meanwhile are lost).

import { QueryClient } from '@tanstack/react-query';
import { api } from '../api';

export const queryKeys = {
  config: ['config'] as const,
  me: ['me'] as const,
  /** Lots: every lot ('all'), or the caller's own ('mine'). */
  lots: (scope: 'all' | 'mine') => ['lots', scope] as const,
  slots: (lotId: number) => ['slots', lotId] as const,
  bookings: (status?: string) => ['bookings', status ?? 'all'] as const,
  booking: (id: number) => ['booking', id] as const,
  payments: (status?: string) => ['payments', status ?? 'all'] as const,
  carwashes: (status?: string) => ['carwashes', status ?? 'all'] as const,
  assignments: ['assignments'] as const,
  users: (role: string) => ['users', role] as const,
  inbox: ['inbox'] as const,
};

/** The queries of the pages, by key and fetch. */
export const queries = {
  lots: (scope: 'all' | 'mine') => ({
    queryKey: queryKeys.lots(scope),
    queryFn: () => api.lots(scope === 'mine' ? 'me' : undefined),
  }),
  slots: (lotId: number) => ({ queryKey: queryKeys.slots(lotId), queryFn: () => api.slots(lotId) }),
  bookings: (status?: string) => ({ queryKey: queryKeys.bookings(status), queryFn: () => api.bookings(status) }),
  booking: (id: number) => ({ queryKey: queryKeys.booking(id), queryFn: () => api.booking(id) }),
  payments: (status?: string) => ({ queryKey: queryKeys.payments(status), queryFn: () => api.payments(status) }),
  carwashes: (status?: string) => ({ queryKey: queryKeys.carwashes(status), queryFn: () => api.carwashes(status) }),
  assignments: () => ({ queryKey: queryKeys.assignments, queryFn: () => api.assignments() }),
  users: (role: string) => ({ queryKey: queryKeys.users(role), queryFn: () => api.users(role) }),
};

/** newQueryClient makes the app's client: fresh until told otherwise, no polling, no focus refetch. */
export function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        refetchInterval: false,
        // A refused call (4xx) is an answer; a network error is retried once.
        retry: (failures, error) => failures < 1 && (error as { status?: number }).status === 0,
      },
      mutations: { retry: false },
    },
  });
}
