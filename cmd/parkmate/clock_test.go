package main

import (
	"runtime"
	"strings"
	"sync"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().UTC().Truncate(time.Millisecond)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// nodeClock is one node's view of the shared clock. It counts the passes
// of the node's scheduler, each of which begins by reading the time, so a
// test can wait for a whole pass instead of sleeping.
type nodeClock struct {
	*fakeClock
	mu      sync.Mutex
	passes  int
	changed chan struct{} // closed and replaced at each pass
}

// schedulerPass is the function whose reads of the time begin a pass.
const schedulerPass = "parkmate/parking.(*Service).Tick"

func newNodeClock(c *fakeClock) *nodeClock {
	return &nodeClock{fakeClock: c, changed: make(chan struct{})}
}

func (c *nodeClock) Now() time.Time {
	if calledFrom(schedulerPass) {
		c.mu.Lock()
		c.passes++
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	}
	return c.fakeClock.Now()
}

// state returns the passes begun so far and a channel closed at the next.
func (c *nodeClock) state() (int, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.passes, c.changed
}

// calledFrom reports whether the caller of nodeClock.Now is fn.
func calledFrom(fn string) bool {
	pcs := make([]uintptr, 16)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, ".(*nodeClock).Now") {
			next, _ := frames.Next()
			return next.Function == fn
		}
		if !more {
			return false
		}
	}
}
