package socket

import (
	"context"
	"time"

	"parkmate/broker"
)

// replayQueryTimeout bounds one storage query of a replay. It does not
// bound the replay as a whole: writes are bounded chunk by chunk
// (WriteTimeout per WriteChunk), so a slow but live client catching up on
// a long history takes as long as it needs.
const replayQueryTimeout = 30 * time.Second

// replay writes stored notifications after lastID, page by page, until it
// has caught up with the live queue; then it drops queued duplicates. A
// failed write returns an error wrapping errWriteFailed; any other error
// comes from storage and leaves the stream at a frame boundary.
func (c *Conn) replay() error {
	for {
		c.mu.Lock()
		since, closing := c.lastID, c.closing != nil
		c.mu.Unlock()
		if closing {
			return errClosing
		}
		page, latest, err := c.readPage(since)
		if err != nil {
			return err
		}
		if err := c.writeItems(page); err != nil {
			return err
		}
		if c.advance(page, latest) {
			return nil
		}
	}
}

// readPage reads and encodes the stored notifications after since, one
// page of them. When there are none and since > 0, latest is the newest
// stored id; otherwise it is -1.
func (c *Conn) readPage(since int64) (page []item, latest int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), replayQueryTimeout)
	defer cancel()
	notes, err := c.srv.store.NotificationsSince(ctx, c.p.UserID, c.p.Role, since, c.srv.cfg.ReplayPage)
	if err != nil {
		return nil, -1, err
	}
	msgs, failed := broker.NotificationMessages(notes)
	if len(failed) > 0 {
		_, err := broker.NotificationMessage(notes[failed[0]])
		return nil, -1, err
	}
	page = make([]item, 0, len(msgs))
	for i := range msgs {
		page = append(page, item{id: msgs[i].ID, wire: msgs[i].Encoded(textFrame)})
	}
	latest = -1
	if len(notes) == 0 && since > 0 {
		// A since beyond every stored id (a stale client, a restored
		// database) must not hide the live notifications to come.
		if latest, err = c.srv.store.LatestID(ctx, c.p.UserID, c.p.Role); err != nil {
			return nil, -1, err
		}
	}
	return page, latest, nil
}

// advance records a written page and reports whether the replay has
// caught up with the live queue; if so, it drops from the queue what the
// replay already sent and ends the replay.
func (c *Conn) advance(page []item, latest int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(page) > 0 {
		c.lastID = page[len(page)-1].id
		c.sentID = max(c.sentID, c.lastID)
	}
	if latest >= 0 && c.lastID > latest {
		// Nothing was replayed. Live notifications queued since the socket
		// joined may already be counted in latest: they were not sent.
		for _, it := range c.queue {
			if it.id != 0 {
				latest = min(latest, it.id-1)
				break
			}
		}
		c.lastID, c.sentID = latest, latest
	}
	if len(page) == c.srv.cfg.ReplayPage || c.missed || c.resync {
		c.missed, c.resync = false, false
		return false
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
	return true
}
