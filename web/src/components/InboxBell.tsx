import { Bell, CheckCheck } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { useInbox } from '../inbox';
import { navigate } from '../lib/route';
import { dateTime, timeAgo } from '../lib/time';
import { LevelIcon } from '../notify';
import { bookingOf } from '../toasts';
import type { Notification } from '../types';

export function InboxBell() {
  const inbox = useInbox();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const [, tick] = useState(0);

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    const t = setInterval(() => tick((x) => x + 1), 30_000);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
      clearInterval(t);
    };
  }, [open]);

  const count = inbox.unread;
  const openItem = (n: Notification) => {
    const bookingId = bookingOf(n);
    if (!n.read) void inbox.markRead(n.id);
    setOpen(false);
    if (bookingId !== null) navigate({ name: 'booking', id: bookingId });
  };
  return (
    <div className="inbox" ref={ref}>
      <button
        type="button"
        className="icon-btn inbox__bell"
        data-testid="inbox-bell"
        aria-label={`Notifications, ${count} unread`}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <Bell size={22} aria-hidden="true" />
        <span className={`badge ${count ? '' : 'badge--zero'}`} data-testid="inbox-count" data-count={count}>
          {count > 99 ? '99+' : count}
        </span>
      </button>
      {open && (
        <div className="inbox__panel" data-testid="inbox-panel" role="dialog" aria-label="Notifications">
          <div className="inbox__head">
            <strong>Notifications</strong>
            <button
              type="button"
              className="btn btn--small btn--ghost"
              data-testid="inbox-mark-all"
              disabled={count === 0}
              onClick={() => void inbox.markAllRead()}
            >
              <CheckCheck size={16} aria-hidden="true" /> Mark all read
            </button>
          </div>
          {inbox.items.length === 0 ? (
            <p className="muted inbox__empty" data-testid="inbox-empty">
              No notifications yet.
            </p>
          ) : (
            <ul className="inbox__list" data-testid="inbox-list">
              {inbox.items.map((n) => (
                <li
                  key={n.id}
                  className={`inbox__item ${n.read ? 'inbox__item--read' : ''}`}
                  data-testid="inbox-item"
                  data-id={n.id}
                  data-level={n.type}
                  data-event={n.event ?? ''}
                  data-read={n.read ? 'true' : 'false'}
                >
                  <LevelIcon level={n.type} size={18} />
                  <div className="inbox__text">
                    {bookingOf(n) !== null ? (
                      <button type="button" className="inbox__open" data-testid="inbox-open" data-booking-id={bookingOf(n)} onClick={() => openItem(n)}>
                        <span className="inbox__message" data-testid="inbox-message">{n.message}</span>
                      </button>
                    ) : (
                      <span className="inbox__message" data-testid="inbox-message">{n.message}</span>
                    )}
                    <time dateTime={n.created_at} title={dateTime(n.created_at)} className="muted small">
                      {timeAgo(n.created_at)}
                    </time>
                  </div>
                  {!n.read && (
                    <button
                      type="button"
                      className="btn btn--small btn--ghost"
                      data-testid="inbox-mark-read"
                      aria-label="Mark as read"
                      onClick={() => void inbox.markRead(n.id)}
                    >
                      Read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {inbox.next && (
            <button type="button" className="btn btn--small btn--ghost inbox__more" onClick={() => void inbox.loadMore()}>
              Older…
            </button>
          )}
        </div>
      )}
    </div>
  );
}
