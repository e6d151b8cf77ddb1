// Builds the notification socket URL. Credentials never go in the URL: the
// HttpOnly session cookie authenticates the socket.

export interface LocationLike {
  protocol: string;
  host: string;
}

/** wsBase derives "ws(s)://host" from the page's location, or normalises an explicit base. */
export function wsBase(explicit: string | undefined, location: LocationLike): string {
  if (explicit) {
    let base = explicit.trim().replace(/\/+$/, '');
    if (base.startsWith('https://')) base = 'wss://' + base.slice('https://'.length);
    else if (base.startsWith('http://')) base = 'ws://' + base.slice('http://'.length);
    else if (base.startsWith('/')) base = wsBase(undefined, location) + base;
    return base;
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}`;
}

export interface NotificationsUrlOptions {
  base?: string;
  location: LocationLike;
  userId: number | string;
  /** Last notification id seen; the server replays every later one. */
  since?: number | null;
  /** 2 asks for read-state frames too. */
  proto?: number;
}

/** notificationsUrl builds ws(s)://host/ws/notifications/{user_id}/?proto=2&since=N. */
export function notificationsUrl(o: NotificationsUrlOptions): string {
  let base = wsBase(o.base, o.location);
  // Accept a base that already ends in /ws (e.g. VITE_WS_URL=wss://host/ws).
  base = base.replace(/\/ws$/, '');
  const params = new URLSearchParams();
  if (o.proto) params.set('proto', String(o.proto));
  if (o.since !== undefined && o.since !== null && Number.isFinite(o.since) && o.since >= 0) {
    params.set('since', String(Math.floor(o.since)));
  }
  const q = params.toString();
  return `${base}/ws/notifications/${encodeURIComponent(String(o.userId))}/${q ? '?' + q : ''}`;
}
