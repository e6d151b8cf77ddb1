package parking

import (
	"context"

	"parkmate"
	"parkmate/sqlstore"
)

func recipient(u parkmate.User) sqlstore.Recipient {
	return sqlstore.Recipient{UserID: u.ID, Role: u.Role}
}

// Inbox lists the actor's notifications with their read state.
func (s *Service) Inbox(ctx context.Context, actor parkmate.User, q sqlstore.InboxQuery) ([]parkmate.InboxItem, error) {
	var out []parkmate.InboxItem
	err := s.db.View(ctx, func(tx *sqlstore.Tx) (err error) {
		out, err = tx.Inbox(recipient(actor), q)
		return err
	})
	return out, err
}

// NotificationsSince returns stored notifications for a resuming socket.
func (s *Service) NotificationsSince(ctx context.Context, userID int64, role parkmate.Role, since int64, limit int) ([]parkmate.Notification, error) {
	var out []parkmate.Notification
	err := s.db.View(ctx, func(tx *sqlstore.Tx) (err error) {
		out, err = tx.NotificationsSince(sqlstore.Recipient{UserID: userID, Role: role}, since, limit)
		return err
	})
	return out, err
}

// LatestID returns the newest notification id a user can see (0: none).
func (s *Service) LatestID(ctx context.Context, userID int64, role parkmate.Role) (int64, error) {
	var id int64
	err := s.db.View(ctx, func(tx *sqlstore.Tx) (err error) {
		id, err = tx.LatestID(sqlstore.Recipient{UserID: userID, Role: role})
		return err
	})
	return id, err
}

// UnreadCount counts the actor's unread notifications.
func (s *Service) UnreadCount(ctx context.Context, actor parkmate.User) (int, error) {
	var n int
	err := s.db.View(ctx, func(tx *sqlstore.Tx) (err error) {
		n, err = tx.UnreadCount(recipient(actor))
		return err
	})
	return n, err
}

// MarkRead marks one notification read and tells the actor's other sockets.
func (s *Service) MarkRead(ctx context.Context, actor parkmate.User, id int64) (parkmate.InboxItem, error) {
	var it parkmate.InboxItem
	err := s.db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
		it, err = tx.MarkRead(recipient(actor), id)
		return err
	})
	if err == nil {
		s.notifier.ReadState(ctx, actor.ID, []int64{id})
	}
	return it, err
}

// MarkAllRead marks all the actor's notifications read.
func (s *Service) MarkAllRead(ctx context.Context, actor parkmate.User) (updated int, upTo int64, err error) {
	err = s.db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
		updated, upTo, err = tx.MarkAllRead(recipient(actor))
		return err
	})
	if err == nil {
		s.notifier.ReadAll(ctx, actor.ID, upTo)
	}
	return updated, upTo, err
}
