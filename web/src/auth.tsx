import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized } from './api';
import { appConfig } from './config';
import { useLatest } from './hooks/useLatest';
import { forgetResumePosition } from './hooks/useWebSocketNotifications';
import type { AppConfig, User } from './types';
import { DEFAULT_CONFIG } from './types';

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

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [checking, setChecking] = useState(true);
  const [config, setConfig] = useState<AppConfig>(DEFAULT_CONFIG);
  const [endedNotice, setEndedNotice] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api
      .config()
      .then((c) => !cancelled && setConfig(appConfig(c)))
      .catch(() => {});
    api
      .me()
      .then((u) => !cancelled && setUser(u))
      .catch(() => {})
      .finally(() => !cancelled && setChecking(false));
    return () => {
      cancelled = true;
    };
  }, []);

  // sessionEnded is registered once with the API layer (below), so it reads
  // the user through a ref: signed out already, it does nothing.
  const latestUser = useLatest(user);
  const sessionEnded = useCallback(() => {
    if (!latestUser.current) return;
    setEndedNotice(true);
    setUser(null);
  }, [latestUser]);

  useEffect(() => onUnauthorized(sessionEnded), [sessionEnded]);

  const login = useCallback(async (username: string, password: string) => {
    const res = await api.login(username, password);
    setEndedNotice(false);
    setUser(res.user);
    return res.user;
  }, []);

  const register = useCallback(async (username: string, password: string) => {
    await api.register(username, password);
    return login(username, password);
  }, [login]);

  const logout = useCallback(async () => {
    const current = user;
    // Drop the user first: the socket closes without a reconnect loop.
    setUser(null);
    if (current) forgetResumePosition(current.id);
    try {
      await api.logout();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) console.warn('logout failed', e);
    }
  }, [user]);

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
