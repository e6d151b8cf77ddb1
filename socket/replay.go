package socket

import (
	"context"
	"time"

	"parkmate/hub"
)

// replay writes stored notifications after lastID, page by page, until it
// has caught up with the live queue; then it drops queued duplicates.
func (c *Conn) replay() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c.mu.Lock()
		since, closing := c.lastID, c.closing != nil
		c.mu.Unlock()
		if closing {
			return nil
		}
		notes, err := c.srv.store.NotificationsSince(ctx, c.p.UserID, c.p.Role, since, c.srv.cfg.ReplayPage)
		if err != nil {
			return err
		}
		items := make([]item, 0, len(notes))
		for _, n := range notes {
			m, err := hub.NotificationMessage(n)
			if err != nil {
				return err
			}
			items = append(items, item{id: n.ID, wire: m.Wire()})
		}
		if len(items) > 0 {
			if err := c.writeItems(items); err != nil {
				return err
			}
		}
		var latest int64 = -1
		if len(notes) == 0 && since > 0 {
			// A since beyond every stored id (a stale client, a restored
			// database) must not hide the live notifications to come.
			if latest, err = c.srv.store.LatestID(ctx, c.p.UserID, c.p.Role); err != nil {
				return err
			}
		}
		c.mu.Lock()
		if len(notes) > 0 {
			c.lastID = notes[len(notes)-1].ID
			c.sentID = max(c.sentID, c.lastID)
		}
		if latest >= 0 && c.lastID > latest {
			c.lastID, c.sentID = latest, latest
		}
		if len(notes) == c.srv.cfg.ReplayPage || c.missed || c.resync {
			c.missed, c.resync = false, false
			c.mu.Unlock()
			continue
		}
		kept := c.queue[:0]
		for _, it := range c.queue {
			if it.id == 0 || it.id > c.lastID {
				kept = append(kept, it)
				c.lastID = max(c.lastID, it.id)
			}
		}
		c.queue = kept
		c.replaying = false
		c.mu.Unlock()
		return nil
	}
}
