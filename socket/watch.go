package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// watchTimeout bounds the storage check of one watch frame.
const watchTimeout = 5 * time.Second

// clientFrame is the type of a text frame a client may send. Only proto-2
// clients may send more than a ping.
type clientFrame struct {
	Type string `json:"type"`
}

// onWatch starts acting on {"type":"watch","lots":[...]}: the lots, once
// checked, replace the socket's watched set; the client is answered with
// {"type":"watching","lots":[...],"refused":[...]}. One check runs at a
// time per socket: a watch that arrives meanwhile waits, and replaces any
// other waiting one, so a flood of watch frames costs one query at a
// time. It reports whether the socket stays open.
func (c *Conn) onWatch(msg []byte) bool {
	var f struct {
		Type string   `json:"type"`
		Lots *[]int64 `json:"lots"`
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || dec.More() || f.Lots == nil {
		c.Kick(ClosePolicy, `watch frame: send {"type":"watch","lots":[<lot ids>]}`)
		return false
	}
	lots := slices.Clone(*f.Lots)
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
	defer c.watchMu.Unlock()
	if c.watchBusy {
		c.watchNext, c.watchWaiting = lots, true
		return true
	}
	c.watchBusy = true
	go c.watchLoop(lots)
	return true
}

// watchLoop applies lots, then each watch that arrived meanwhile, until
// none waits.
func (c *Conn) watchLoop(lots []int64) {
	for {
		if !c.watch(lots) {
			c.watchMu.Lock()
			c.watchBusy, c.watchWaiting, c.watchNext = false, false, nil
			c.watchMu.Unlock()
			return
		}
		c.watchMu.Lock()
		if !c.watchWaiting {
			c.watchBusy = false
			c.watchMu.Unlock()
			return
		}
		lots, c.watchNext, c.watchWaiting = c.watchNext, nil, false
		c.watchMu.Unlock()
	}
}

// watch checks lots against storage and makes the existing ones the
// socket's watched set. It reports false when the socket is closing.
func (c *Conn) watch(lots []int64) bool {
	found := map[int64]bool{}
	if len(lots) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), watchTimeout)
		defer cancel()
		var err error
		if found, err = c.srv.store.ExistingLots(ctx, lots); err != nil {
			c.srv.log.Warn("socket: watch not checked", "user", c.p.UserID, "err", err)
			c.Kick(CloseTryAgainLater, "watch failed: reconnect and watch again")
			return false
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
	if c.closed.Load() {
		return false
	}
	c.srv.hub.Watch(c, ok)
	if c.closed.Load() {
		// teardown's hub.Remove may have run before Watch: undo it.
		c.srv.hub.Watch(c, nil)
		return false
	}
	frame, _ := json.Marshal(struct {
		Type    string  `json:"type"`
		Lots    []int64 `json:"lots"`
		Refused []int64 `json:"refused"`
	}{"watching", ok, refused})
	c.enqueueControl(textFrame(frame))
	return true
}
