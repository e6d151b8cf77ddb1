import { API_BASE_URL } from './config';
import type {
  AppConfig, Assignment, Booking, CarWash, Lot, Notification, Page, Payment, Slot, User,
} from './types';

/** ApiError carries the server's {"error": {"code", "message"}} body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const HINT_KEY = 'parkmate:signedIn';

/**
 * signedInHint remembers, in this browser, that a sign-in happened and no
 * sign-out since. The session cookie is HttpOnly, so the page cannot see it:
 * without the hint the app shows the sign-in form at once instead of asking
 * GET /api/me/, whose 401 the browser would log as an error.
 */
export const signedInHint = {
  get(): boolean {
    try {
      return localStorage.getItem(HINT_KEY) === '1';
    } catch {
      return true; // no storage: ask the server
    }
  },
  set(on: boolean): void {
    try {
      if (on) localStorage.setItem(HINT_KEY, '1');
      else localStorage.removeItem(HINT_KEY);
    } catch {
      /* ignore */
    }
  },
};

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** onUnauthorized registers a callback run when an authenticated call gets 401. */
export function onUnauthorized(fn: UnauthorizedListener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Do not treat a 401 as "the session ended" (login, the first /me probe). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

/** request calls the API; the session cookie authenticates it. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(API_BASE_URL + path, {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      credentials: 'include',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (res.status === 401 && !opts.quiet401) unauthorizedListeners.forEach((fn) => fn());
    let message = err?.message ?? `Request failed (${res.status}).`;
    if (res.status === 429) {
      const retry = res.headers.get('Retry-After');
      if (retry) message += ` Try again in ${retry} s.`;
    }
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, message);
  }
  return data as T;
}

/** asItems accepts both a {"items": [...]} page and a bare array. */
export function asItems<T>(body: Page<T> | T[] | null | undefined): T[] {
  if (!body) return [];
  return Array.isArray(body) ? body : body.items ?? [];
}

const list = <T>(path: string) => request<Page<T> | T[]>(path).then(asItems<T>);

const post = <T>(path: string, body: unknown = {}) => request<T>(path, { method: 'POST', body });

function qs(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

export interface LoginResult {
  access: string;
  expires_at: string;
  user: User;
}

export const api = {
  config: () => request<AppConfig>('/config/', { quiet401: true }),
  login: (username: string, password: string) =>
    request<LoginResult>('/auth/login/', { method: 'POST', body: { username, password }, quiet401: true }),
  register: (username: string, password: string) =>
    request<{ user: User }>('/auth/register/', { method: 'POST', body: { username, password }, quiet401: true }),
  logout: () => request<void>('/auth/logout/', { method: 'POST', quiet401: true }),
  me: () => request<User>('/me/', { quiet401: true }),

  users: (role?: string) => list<User>('/users/' + qs({ role, limit: 200 })),

  lots: (owner?: 'me') => list<Lot>('/lots/' + qs({ owner, limit: 200 })),
  createLot: (name: string, slots: number) => post<Lot>('/lots/', { name, slots }),
  slots: (lotId: number) => list<Slot>(`/lots/${lotId}/slots/`),

  bookings: (status?: string) => list<Booking>('/bookings/' + qs({ status, limit: 100 })),
  booking: (id: number) => request<Booking>(`/bookings/${id}/`),
  book: (slot_id: number, minutes: number) => post<Booking>('/bookings/', { slot_id, minutes }),
  renew: (id: number, minutes: number) => post<Booking>(`/bookings/${id}/renew/`, { minutes }),
  complete: (id: number) => post<Booking>(`/bookings/${id}/complete/`),
  cancel: (id: number) => post<Booking>(`/bookings/${id}/cancel/`),

  pay: (bookingId: number, method: 'CASH' | 'ONLINE', amount: number) =>
    post<Payment>(`/bookings/${bookingId}/payments/`, { method, amount }),
  payments: (status?: string) => list<Payment>('/payments/' + qs({ status, limit: 100 })),
  verifyPayment: (id: number) => post<Payment>(`/payments/${id}/verify/`),

  orderCarWash: (bookingId: number, service: string) => post<CarWash>(`/bookings/${bookingId}/carwash/`, { service }),
  carwashes: (status?: string) => list<CarWash>('/carwashes/' + qs({ status, limit: 100 })),
  startCarWash: (id: number) => post<CarWash>(`/carwashes/${id}/start/`),
  completeCarWash: (id: number) => post<CarWash>(`/carwashes/${id}/complete/`),

  assign: (employee_id: number, lot_id: number) => post<Assignment>('/assignments/', { employee_id, lot_id }),
  assignments: () => list<Assignment>('/assignments/' + qs({ limit: 200 })),

  notifications: (params: { before?: string; since?: number; limit?: number } = {}) =>
    request<Page<Notification>>('/notifications/' + qs(params)),
  unreadCount: () => request<{ count: number }>('/notifications/unread-count/'),
  markRead: (id: number) => post<Notification>(`/notifications/${id}/read/`),
  markAllRead: () => post<{ updated: number; up_to: number }>('/notifications/read-all/'),
};

/** errorMessage turns anything thrown into a sentence for a toast. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
