// Who is signed in, and the server's settings, both through TanStack Query
// (keys "me" and "config"). A page load without the signed-in hint
// (api.ts) shows the sign-in form without asking the server, so a signed-out
// load makes no request that fails.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, signedInHint } from './api';
import { appConfig } from './config';
import { useLatest } from './hooks/useLatest';
import { forgetResumePosition } from './hooks/useWebSocketNotifications';
import { queryKeys } from './lib/queries';
import { disablePush } from './push/push';
import type { AppConfig, User } from './types';

export interface AuthState {
  user: User | null;
  /** True until the first /me answer. */
  checking: boolean;
  config: AppConfig;
  login: (username: string, password: string) => Promise<User>;
  register: (username: string, password: string) => Promise<User>;
  logout: (reason?: 'user' | 'expired') => Promise<void>;
  /** Drop the user locally (session ended on the server side). */
  sessionEnded: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

/** fetchMe is the signed-in user, or null when the session is gone (401). */
async function fetchMe(): Promise<User | null> {
  try {
    return await api.me();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [probe] = useState(() => signedInHint.get());
  const served = useQuery({ queryKey: queryKeys.config, queryFn: () => api.config() });
  const me = useQuery({ queryKey: queryKeys.me, queryFn: fetchMe, enabled: probe });
  const [endedNotice, setEndedNotice] = useState(false);
  const user = me.data ?? null;
  const checking = probe && me.isPending;
  const config = useMemo(() => appConfig(served.data), [served.data]);

  useEffect(() => {
    if (!me.isPending && !user) signedInHint.set(false);
  }, [me.isPending, user]);

  // Signed out: forget everything the previous user was shown.
  useEffect(() => {
    if (!user) qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'config' && q.queryKey[0] !== 'me' });
  }, [user, qc]);

  // sessionEnded is registered once with the API layer (below), so it reads
  // the user through a ref: signed out already, it does nothing.
  const latestUser = useLatest(user);
  const sessionEnded = useCallback(() => {
    if (!latestUser.current) return;
    setEndedNotice(true);
    signedInHint.set(false);
    qc.setQueryData(queryKeys.me, null);
  }, [latestUser, qc]);

  useEffect(() => onUnauthorized(sessionEnded), [sessionEnded]);

  const login = useCallback(async (username: string, password: string) => {
    const res = await api.login(username, password);
    setEndedNotice(false);
    signedInHint.set(true);
    qc.setQueryData(queryKeys.me, res.user);
    return res.user;
  }, [qc]);

  const register = useCallback(async (username: string, password: string) => {
    await api.register(username, password);
    return login(username, password);
  }, [login]);

  const logout = useCallback(async () => {
    const current = user;
    // Drop the user first: the socket closes without a reconnect loop.
    signedInHint.set(false);
    qc.setQueryData(queryKeys.me, null);
    if (current) forgetResumePosition(current.id);
    try {
      // A shared device stops getting this user's pushes (needs the session: before logout).
      await disablePush();
    } catch {
      /* not subscribed, or the server is away: the subscription ends with the session's user */
    }
    try {
      await api.logout();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) console.warn('logout failed', e);
    }
  }, [user, qc]);

  const value = useMemo<AuthState>(
    () => ({ user, checking, config, login, register, logout, sessionEnded }),
    [user, checking, config, login, register, logout, sessionEnded],
  );
  return (
    <AuthContext.Provider value={value}>
      {endedNotice && !user && (
        <div className="banner" role="status" data-testid="session-ended">
          Your session ended. Please sign in again.
        </div>
      )}
      {children}
    </AuthContext.Provider>
  );
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
