package relay_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"parkmate/broker"
	"parkmate/relay"
)

// blockingOut is a hub whose first Handle waits for release, and that
// keeps each call's ids apart.
type blockingOut struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once

	mu    sync.Mutex
	calls [][]int64
}

func (o *blockingOut) Handle(msgs []broker.Message) {
	first := false
	o.once.Do(func() { first = true })
	if first {
		close(o.entered)
		<-o.release
	}
	var ids []int64
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	o.mu.Lock()
	o.calls = append(o.calls, ids)
	o.mu.Unlock()
}

// TestConcurrentCommitsFanOutTogether: while the hub fans out one commit's
// messages, the next commits' callers leave theirs and return at once;
// they then go to the hub in one batch, in id order, after the first.
func TestConcurrentCommitsFanOutTogether(t *testing.T) {
	f := newFixture(t, relay.Config{})
	msgs := f.commit(t, 4)
	out := &blockingOut{entered: make(chan struct{}), release: make(chan struct{})}
	// The Sequencer starts behind the four: at the log's position before
	// them.
	seq := relay.NewSequencer(beforeLog{f.db, msgs[0].ID - 1}, out, relay.Config{}, quiet)
	if err := seq.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	go func() { seq.Handle(msgs[:1]); close(first) }()
	<-out.entered
	// Each of these returns while the first batch is still being handed
	// over: a caller does not wait for another's fan-out.
	seq.Handle(msgs[2:3])
	seq.Handle(msgs[1:2])
	seq.Handle(msgs[3:4])
	close(out.release)
	<-first
	out.mu.Lock()
	defer out.mu.Unlock()
	want := [][]int64{{msgs[0].ID}, {msgs[1].ID, msgs[2].ID, msgs[3].ID}}
	if !slices.EqualFunc(out.calls, want, slices.Equal) {
		t.Fatalf("hub calls %v, want %v", out.calls, want)
	}
}

// beforeLog is a Log whose newest id is last, as it was before some
// commits.
type beforeLog struct {
	relay.Log
	last int64
}

func (l beforeLog) LastNotificationID(context.Context) (int64, error) { return l.last, nil }
