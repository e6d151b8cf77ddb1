// Pure reducer for the inbox: the list of past notifications, newest first,
// and the unread count, kept in sync with new frames and read-state frames.

import type { Notification } from '../types';

export interface InboxState {
  items: Notification[];
  unread: number;
  next: string | null;
  loaded: boolean;
}

export const emptyInbox: InboxState = { items: [], unread: 0, next: null, loaded: false };

export type InboxAction =
  | { type: 'loaded'; items: Notification[]; next: string | null; unread?: number }
  | { type: 'more'; items: Notification[]; next: string | null }
  | { type: 'count'; unread: number }
  | { type: 'received'; item: Notification }
  | { type: 'read'; ids: number[] }
  | { type: 'read_all'; upTo: number }
  | { type: 'reset' };

function byIdDesc(a: Notification, b: Notification): number {
  return b.id - a.id;
}

/** merge unions two lists by id (the fresher copy wins for `read`), newest first. */
export function merge(current: Notification[], incoming: Notification[]): Notification[] {
  const map = new Map<number, Notification>();
  for (const n of current) map.set(n.id, n);
  for (const n of incoming) {
    const old = map.get(n.id);
    map.set(n.id, old ? { ...old, ...n, read: Boolean(n.read ?? old.read) } : n);
  }
  return [...map.values()].sort(byIdDesc);
}

export function inboxReducer(state: InboxState, action: InboxAction): InboxState {
  switch (action.type) {
    case 'loaded': {
      // Keep live items newer than the page (they arrived while it loaded).
      const items = merge(state.items, action.items);
      return {
        items,
        next: action.next,
        unread: action.unread ?? state.unread,
        loaded: true,
      };
    }
    case 'more':
      return { ...state, items: merge(state.items, action.items), next: action.next };
    case 'count':
      return { ...state, unread: Math.max(0, action.unread) };
    case 'received': {
      if (state.items.some((n) => n.id === action.item.id)) return state;
      const item = { ...action.item, read: Boolean(action.item.read) };
      return {
        ...state,
        items: [item, ...state.items].sort(byIdDesc),
        unread: state.unread + (item.read ? 0 : 1),
      };
    }
    case 'read': {
      const ids = new Set(action.ids);
      let changed = 0;
      const items = state.items.map((n) => {
        if (ids.has(n.id) && !n.read) {
          changed++;
          return { ...n, read: true };
        }
        return n;
      });
      if (!changed) return state;
      return { ...state, items, unread: Math.max(0, state.unread - changed) };
    }
    case 'read_all': {
      const items = state.items.map((n) => (n.id <= action.upTo && !n.read ? { ...n, read: true } : n));
      // Everything up to upTo is read; only newer unread ones remain.
      const unread = items.filter((n) => n.id > action.upTo && !n.read).length;
      return { ...state, items, unread };
    }
    case 'reset':
      return emptyInbox;
  }
}
