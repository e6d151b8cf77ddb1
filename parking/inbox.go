package parking

import (
	"context"

	"parkmate"
)

// NotificationTx stores notifications and their read state. Group
// notifications reach every user whose role's groups (parkmate.GroupsOf)
// hold their key.
type NotificationTx interface {
	// AddNotification stores a notification, which reaches sockets after
	// the transaction commits, and returns it with its id and time.
	AddNotification(n parkmate.Notification) (parkmate.Notification, error)
	// AddNotifications stores notifications in order, like AddNotification;
	// the caller must not modify what it returns.
	AddNotifications(notes []parkmate.Notification) ([]parkmate.Notification, error)
	// Inbox lists what the recipient can see, with its read state.
	Inbox(r parkmate.Recipient, q parkmate.InboxQuery) ([]parkmate.InboxItem, error)
	// NotificationsSince returns up to limit notifications the recipient
	// can see with ids above since, oldest first.
	NotificationsSince(r parkmate.Recipient, since int64, limit int) ([]parkmate.Notification, error)
	// LatestID returns the newest id the recipient can see (0: none).
	LatestID(r parkmate.Recipient) (int64, error)
	// UnreadCount counts the recipient's unread notifications.
	UnreadCount(r parkmate.Recipient) (int, error)
	// MarkRead marks one notification the recipient can see read.
	MarkRead(r parkmate.Recipient, id int64) (parkmate.InboxItem, error)
	// MarkAllRead marks everything the recipient can see read, and returns
	// how many were unread and the highest id now read.
	MarkAllRead(r parkmate.Recipient) (updated int, upTo int64, err error)
}

func recipient(u parkmate.User) parkmate.Recipient {
	return parkmate.Recipient{UserID: u.ID, Role: u.Role}
}

// Inbox lists the actor's notifications with their read state.
func (s *Service) Inbox(ctx context.Context, actor parkmate.User, q parkmate.InboxQuery) ([]parkmate.InboxItem, error) {
	var out []parkmate.InboxItem
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.Inbox(recipient(actor), q)
		return err
	})
	return out, err
}

// NotificationsSince returns stored notifications for a resuming socket.
func (s *Service) NotificationsSince(ctx context.Context, userID int64, role parkmate.Role, since int64, limit int) ([]parkmate.Notification, error) {
	var out []parkmate.Notification
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.NotificationsSince(parkmate.Recipient{UserID: userID, Role: role}, since, limit)
		return err
	})
	return out, err
}

// LatestID returns the newest notification id a user can see (0: none).
func (s *Service) LatestID(ctx context.Context, userID int64, role parkmate.Role) (int64, error) {
	var id int64
	err := s.db.View(ctx, func(tx Tx) (err error) {
		id, err = tx.LatestID(parkmate.Recipient{UserID: userID, Role: role})
		return err
	})
	return id, err
}

// UnreadCount counts the actor's unread notifications.
func (s *Service) UnreadCount(ctx context.Context, actor parkmate.User) (int, error) {
	var n int
	err := s.db.View(ctx, func(tx Tx) (err error) {
		n, err = tx.UnreadCount(recipient(actor))
		return err
	})
	return n, err
}

// MarkRead marks one notification read and tells the actor's other sockets.
func (s *Service) MarkRead(ctx context.Context, actor parkmate.User, id int64) (parkmate.InboxItem, error) {
	var it parkmate.InboxItem
	err := s.db.Update(ctx, func(tx Tx) (err error) {
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
	err = s.db.Update(ctx, func(tx Tx) (err error) {
		updated, upTo, err = tx.MarkAllRead(recipient(actor))
		return err
	})
	if err == nil {
		s.notifier.ReadAll(ctx, actor.ID, upTo)
	}
	return updated, upTo, err
}
