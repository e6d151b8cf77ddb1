import { describe, expect, it } from 'vitest';
import type { Notification } from '../types';
import { emptyInbox, inboxReducer } from './inboxState';

const n = (id: number, read = false): Notification => ({
  id, type: 'info', message: 'm' + id, created_at: '2030-01-01T10:00:00Z', read,
});

describe('inboxReducer', () => {
  it('loads a page and keeps live items that arrived meanwhile', () => {
    let s = inboxReducer(emptyInbox, { type: 'received', item: n(5) });
    s = inboxReducer(s, { type: 'loaded', items: [n(4), n(3, true)], next: 'c1', unread: 2 });
    expect(s.items.map((x) => x.id)).toEqual([5, 4, 3]);
    expect(s.unread).toBe(2);
    expect(s.next).toBe('c1');
  });

  it('adds a new notification once and counts it', () => {
    let s = inboxReducer({ ...emptyInbox, loaded: true }, { type: 'received', item: n(1) });
    s = inboxReducer(s, { type: 'received', item: n(1) });
    expect(s.items).toHaveLength(1);
    expect(s.unread).toBe(1);
  });

  it('applies read frames from other tabs', () => {
    let s = inboxReducer(emptyInbox, { type: 'loaded', items: [n(3), n(2), n(1)], next: null, unread: 3 });
    s = inboxReducer(s, { type: 'read', ids: [2, 99] });
    expect(s.items.find((x) => x.id === 2)?.read).toBe(true);
    expect(s.unread).toBe(2);
    const same = inboxReducer(s, { type: 'read', ids: [2] });
    expect(same).toBe(s);
  });

  it('applies read_all up to an id', () => {
    let s = inboxReducer(emptyInbox, { type: 'loaded', items: [n(3), n(2), n(1)], next: null, unread: 3 });
    s = inboxReducer(s, { type: 'read_all', upTo: 2 });
    expect(s.items.map((x) => x.read)).toEqual([false, true, true]);
    expect(s.unread).toBe(1);
  });

  it('pages older items in without duplicates', () => {
    let s = inboxReducer(emptyInbox, { type: 'loaded', items: [n(3), n(2)], next: 'c', unread: 0 });
    s = inboxReducer(s, { type: 'more', items: [n(2), n(1)], next: null });
    expect(s.items.map((x) => x.id)).toEqual([3, 2, 1]);
    expect(s.next).toBeNull();
  });
});
