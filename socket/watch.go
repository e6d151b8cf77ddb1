package socket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// watchTimeout bounds the storage check of one watch frame.
const watchTimeout = 5 * time.Second

// clientFrame is a text frame a client may send. Only proto-2 clients may
// send more than a ping.
type clientFrame struct {
	Type string  `json:"type"`
	Lots []int64 `json:"lots"`
}

// onWatch starts acting on {"type":"watch","lots":[...]}: the lots, once
// checked, replace the socket's watched set; the client is answered with
// {"type":"watching","lots":[...],"refused":[...]}. It reports whether the
// socket stays open.
func (c *Conn) onWatch(f clientFrame) bool {
	lots := slices.Clone(f.Lots)
	slices.Sort(lots)
	lots = slices.Compact(lots)
	if len(lots) > c.srv.cfg.MaxWatchedLots {
		c.Kick(ClosePolicy, fmt.Sprintf("watch: at most %d lots", c.srv.cfg.MaxWatchedLots))
		return false
	}
	if len(lots) > 0 && lots[0] <= 0 {
		c.Kick(ClosePolicy, "watch: lot ids are positive integers")
		return false
	}
	c.watchMu.Lock()
	c.watchGen++
	gen := c.watchGen
	c.watchMu.Unlock()
	go c.watch(gen, lots)
	return true
}

// watch checks lots against storage and, unless a newer watch frame came
// meanwhile, makes the existing ones the socket's watched set.
func (c *Conn) watch(gen uint64, lots []int64) {
	found := map[int64]bool{}
	if len(lots) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), watchTimeout)
		defer cancel()
		var err error
		if found, err = c.srv.store.ExistingLots(ctx, lots); err != nil {
			c.srv.log.Warn("socket: watch not checked", "user", c.p.UserID, "err", err)
			c.Kick(CloseTryAgainLater, "watch failed: reconnect and watch again")
			return
		}
	}
	ok, refused := []int64{}, []int64{}
	for _, id := range lots {
		if found[id] {
			ok = append(ok, id)
		} else {
			refused = append(refused, id)
		}
	}
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	if gen != c.watchGen || c.closed.Load() {
		return
	}
	c.srv.hub.Watch(c, ok)
	if c.closed.Load() {
		// teardown's hub.Remove may have run before Watch: undo it.
		c.srv.hub.Watch(c, nil)
		return
	}
	frame, _ := json.Marshal(struct {
		Type    string  `json:"type"`
		Lots    []int64 `json:"lots"`
		Refused []int64 `json:"refused"`
	}{"watching", ok, refused})
	c.enqueueControl(textFrame(frame))
}
