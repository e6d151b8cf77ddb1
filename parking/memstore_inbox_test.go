package parking_test

import (
	"slices"

	"parkmate"
)

// The memStore's notifications: ids from one log in commit order, group
// rows reaching the members of their groups, read state per user.

func (tx *memTx) AddNotification(n parkmate.Notification) (parkmate.Notification, error) {
	out, err := tx.AddNotifications([]parkmate.Notification{n})
	if err != nil {
		return n, err
	}
	return out[0], nil
}

func (tx *memTx) AddNotifications(notes []parkmate.Notification) ([]parkmate.Notification, error) {
	tx.mustWrite()
	out := make([]parkmate.Notification, len(notes))
	for i, n := range notes {
		tx.st.lastNote++
		n.ID, n.CreatedAt = tx.st.lastNote, tx.now
		out[i] = n
	}
	tx.st.notes = append(tx.st.notes, out...)
	tx.added = append(tx.added, out...)
	return out, nil
}

// visible returns what r can see, oldest first.
func (tx *memTx) visible(r parkmate.Recipient) []parkmate.Notification {
	var out []parkmate.Notification
	for _, n := range tx.st.notes {
		if (n.UserID != 0 && n.UserID == r.UserID) || (n.GroupKey != "" && slices.Contains(parkmate.GroupsOf(r.Role), n.GroupKey)) {
			out = append(out, n)
		}
	}
	return out
}

func (tx *memTx) read(userID, id int64) bool {
	return id <= tx.st.readUpTo[userID] || tx.st.reads[[2]int64{userID, id}]
}

func (tx *memTx) Inbox(r parkmate.Recipient, q parkmate.InboxQuery) ([]parkmate.InboxItem, error) {
	notes := tx.visible(r)
	if !q.HasSince {
		slices.Reverse(notes)
	}
	out := []parkmate.InboxItem{}
	for _, n := range notes {
		if (q.HasSince && n.ID <= q.Since) || (!q.HasSince && q.Before > 0 && n.ID >= q.Before) {
			continue
		}
		if out = append(out, parkmate.InboxItem{Notification: n, Read: tx.read(r.UserID, n.ID)}); len(out) == q.Size() {
			break
		}
	}
	return out, nil
}

func (tx *memTx) NotificationsSince(r parkmate.Recipient, since int64, limit int) ([]parkmate.Notification, error) {
	out := []parkmate.Notification{}
	for _, n := range tx.visible(r) {
		if n.ID > since && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

func (tx *memTx) LatestID(r parkmate.Recipient) (int64, error) {
	notes := tx.visible(r)
	if len(notes) == 0 {
		return 0, nil
	}
	return notes[len(notes)-1].ID, nil
}

func (tx *memTx) UnreadCount(r parkmate.Recipient) (int, error) {
	n := 0
	for _, note := range tx.visible(r) {
		if !tx.read(r.UserID, note.ID) {
			n++
		}
	}
	return n, nil
}

func (tx *memTx) MarkRead(r parkmate.Recipient, id int64) (parkmate.InboxItem, error) {
	tx.mustWrite()
	for _, n := range tx.visible(r) {
		if n.ID == id {
			tx.st.reads[[2]int64{r.UserID, id}] = true
			return parkmate.InboxItem{Notification: n, Read: true}, nil
		}
	}
	return parkmate.InboxItem{}, notFound("Notification", id)
}

func (tx *memTx) MarkAllRead(r parkmate.Recipient) (updated int, upTo int64, err error) {
	tx.mustWrite()
	updated, _ = tx.UnreadCount(r)
	latest, _ := tx.LatestID(r)
	upTo = max(tx.st.readUpTo[r.UserID], latest)
	tx.st.readUpTo[r.UserID] = upTo
	for k := range tx.st.reads {
		if k[0] == r.UserID && k[1] <= upTo {
			delete(tx.st.reads, k)
		}
	}
	return updated, upTo, nil
}
