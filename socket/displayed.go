package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Displayed records the notifications a visible page showed, so that they
// are not pushed (package push implements it).
type Displayed interface {
	Displayed(ctx context.Context, userID int64, ids []int64) error
}

// DefaultMaxDisplayedIDs bounds the ids of one displayed frame.
const DefaultMaxDisplayedIDs = 100

// displayedTimeout bounds recording one displayed frame.
const displayedTimeout = 5 * time.Second

// onDisplayed acts on {"type":"displayed","ids":[41,42]} from a proto 2
// client: the notifications it showed while visible. The frame is
// recorded before the next frame of the socket is read, so a ping sent
// after it is answered only once it is recorded. A malformed frame, an id
// that is not a positive integer, or more than MaxDisplayedIDs ids close
// the socket with 1008.
func (c *Conn) onDisplayed(msg []byte) bool {
	var f struct {
		Type string  `json:"type"`
		IDs  []int64 `json:"ids"`
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || dec.More() || f.IDs == nil {
		c.Kick(ClosePolicy, `displayed frame: send {"type":"displayed","ids":[<notification ids>]}`)
		return false
	}
	if n := c.srv.cfg.MaxDisplayedIDs; len(f.IDs) > n {
		c.Kick(ClosePolicy, fmt.Sprintf("displayed frame: more than %d ids", n))
		return false
	}
	for _, id := range f.IDs {
		if id <= 0 {
			c.Kick(ClosePolicy, "displayed frame: ids are positive notification ids")
			return false
		}
	}
	ids := c.newlyDisplayed(f.IDs)
	if rec := c.srv.cfg.Displayed; rec != nil && len(ids) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), displayedTimeout)
		defer cancel()
		if err := rec.Displayed(ctx, c.p.UserID, ids); err != nil {
			c.srv.log.Warn("record displayed notifications", "user", c.p.UserID, "err", err)
		}
	}
	return true
}

// newlyDisplayed keeps the ids worth recording: those this socket may
// have sent (at most the highest id it queued or replayed) and above
// every id it recorded before. The socket sends notifications in id order, so a page
// displays them in that order; a client repeating ids, or naming ids it
// was never sent, costs no write. Only the reader calls it.
func (c *Conn) newlyDisplayed(ids []int64) []int64 {
	c.mu.Lock()
	sent := c.lastID
	c.mu.Unlock()
	out := ids[:0:0]
	top := c.displayedMax
	for _, id := range ids {
		if id > c.displayedMax && id <= sent {
			out = append(out, id)
			top = max(top, id)
		}
	}
	c.displayedMax = top
	return out
}
