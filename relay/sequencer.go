// Package relay moves committed notifications from the database to every
// node's sockets. The database is the source of truth; the broker only
// makes delivery fast.
//
// Notification ids form a gap-free log in commit order (package sqlstore):
// if id N is committed, so is every id below it. Each node's Sequencer
// keeps the id of the last notification it handed to its hub and hands
// over only the next one: a message that arrives early waits, a duplicate
// is dropped, and a gap that the broker does not fill within a moment is
// read from the database. A periodic check of the log's newest id catches
// what no later message reveals (the publishing node died, or was cut off
// from the broker, right after its commit). So every node sees every
// notification exactly once and in id order, whatever the broker loses.
//
// The Sender is the other end: after a commit it hands the notifications
// to its own node's Sequencer at once and publishes them to the other
// nodes in the background, so a broker outage never holds up a request.
package relay

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"parkmate"
	"parkmate/broker"
)

// Log is the durable notification log the Sequencer reads gaps from.
type Log interface {
	// NotificationsAfter returns up to limit notifications of every
	// recipient with id > after, in id order.
	NotificationsAfter(ctx context.Context, after int64, limit int) ([]parkmate.Notification, error)
	// LastNotificationID returns the newest committed id (0: none).
	LastNotificationID(ctx context.Context) (int64, error)
}

// Fanout receives messages in order: the node's hub.
type Fanout interface {
	Handle(msgs []broker.Message)
}

// Config holds the Sequencer's timings and bounds. Zero fields take the
// defaults.
type Config struct {
	// CheckInterval is how often the node compares the log's newest id
	// with its own position. A notification the broker never delivers
	// reaches the node's sockets within about two intervals.
	CheckInterval time.Duration
	// GapGrace is how long a gap in the ids may wait for the broker before
	// the missing notifications are read from the log.
	GapGrace time.Duration
	// MaxPending bounds the messages that arrived ahead of a gap and wait
	// for it; beyond it they are dropped and read from the log instead.
	MaxPending int
	// Page is how many notifications one read of the log returns.
	Page int
	// OnSessionEnded, when set, is called for every session-ended message
	// (the node forgets the session in its caches).
	OnSessionEnded func(sessionID string)
	// OnBrokerGap, when set, is called when the broker reports that it
	// lost messages (a resubscription).
	OnBrokerGap func()
}

// Defaults for Config.
const (
	DefaultCheckInterval = time.Second
	DefaultGapGrace      = 250 * time.Millisecond
	DefaultMaxPending    = 10_000
	DefaultPage          = 1000
)

func (c Config) withDefaults() Config {
	if c.CheckInterval <= 0 {
		c.CheckInterval = DefaultCheckInterval
	}
	if c.GapGrace <= 0 {
		c.GapGrace = DefaultGapGrace
	}
	if c.MaxPending <= 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.Page <= 0 {
		c.Page = DefaultPage
	}
	return c
}

// Sequencer hands the node's hub every committed notification exactly
// once, in id order. It implements broker.Handler: the broker and the local
// Sender deliver to it. Its methods are safe for concurrent use.
type Sequencer struct {
	log  Log
	out  Fanout
	cfg  Config
	logg *slog.Logger
	wake chan struct{}

	mu       sync.Mutex
	started  bool
	head     int64                    // the last id handed to out
	pending  map[int64]broker.Message // notifications that arrived ahead of head+1
	gapSince time.Time                // when the current gap was first seen
	filled   uint64                   // notifications read from the log
	outQueue []broker.Message         // ready, in order, for the next fan-out

	outMu sync.Mutex // held by the one goroutine handing messages to out
}

var _ broker.Handler = (*Sequencer)(nil)

// NewSequencer returns a Sequencer that reads gaps from log and hands
// messages to out. Call Start before anything is delivered to it.
func NewSequencer(log Log, out Fanout, cfg Config, logger *slog.Logger) *Sequencer {
	return &Sequencer{log: log, out: out, cfg: cfg.withDefaults(), logg: logger,
		wake: make(chan struct{}, 1), pending: make(map[int64]broker.Message)}
}

// Start sets the node's position to the newest committed notification:
// sockets that connect from now on get older ones by replay (since).
func (s *Sequencer) Start(ctx context.Context) error {
	last, err := s.log.LastNotificationID(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.head, s.started = last, true
	s.mu.Unlock()
	return nil
}

// Head returns the id of the last notification handed to the hub.
func (s *Sequencer) Head() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head
}

// Filled returns how many notifications were read from the log because
// the broker did not deliver them in time.
func (s *Sequencer) Filled() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filled
}

// Handle implements broker.Handler. Notifications go out in id order, each
// once; other messages go out at once, in their place in the batch.
func (s *Sequencer) Handle(msgs []broker.Message) { s.handle(msgs, false) }

func (s *Sequencer) handle(msgs []broker.Message, fromLog bool) {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return
	}
	if s.outQueue == nil {
		// One allocation for the batch: the fan-out takes the queue.
		s.outQueue = make([]broker.Message, 0, len(msgs))
	}
	for _, m := range msgs {
		if m.Kind != broker.KindNotification || m.ID == 0 {
			s.outQueue = append(s.outQueue, m)
			if m.Kind == broker.KindSessionEnded && s.cfg.OnSessionEnded != nil {
				s.cfg.OnSessionEnded(m.SessionID)
			}
			continue
		}
		switch {
		case m.ID <= s.head:
			// Already handed over (from the log, or by another path).
		case m.ID == s.head+1:
			s.outQueue = append(s.outQueue, m)
			s.head++
			if fromLog {
				s.filled++
			}
			s.outQueue = s.drainLocked(s.outQueue)
		case len(s.pending) < s.cfg.MaxPending:
			s.pending[m.ID] = m
		}
	}
	if len(s.pending) > 0 && s.gapSince.IsZero() {
		s.gapSince = time.Now()
		time.AfterFunc(s.cfg.GapGrace, s.poke)
	}
	s.mu.Unlock()
	s.fanOut()
}

// drainLocked appends the pending notifications that now follow head.
func (s *Sequencer) drainLocked(ready []broker.Message) []broker.Message {
	for {
		m, ok := s.pending[s.head+1]
		if !ok {
			break
		}
		delete(s.pending, s.head+1)
		ready = append(ready, m)
		s.head++
	}
	if len(s.pending) == 0 {
		s.gapSince = time.Time{}
	} else {
		for id := range s.pending {
			if id <= s.head {
				delete(s.pending, id)
			}
		}
	}
	return ready
}

// Resync implements broker.Handler: the broker lost messages, so the node
// reads the log at once.
func (s *Sequencer) Resync() {
	if s.cfg.OnBrokerGap != nil {
		s.cfg.OnBrokerGap()
	}
	s.mu.Lock()
	if s.gapSince.IsZero() {
		s.gapSince = time.Now().Add(-s.cfg.GapGrace)
	}
	s.mu.Unlock()
	s.poke()
}

func (s *Sequencer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run checks the log every CheckInterval, and reads gaps from it when
// poked, until ctx ends.
func (s *Sequencer) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.CheckInterval)
	defer t.Stop()
	var seen int64 // the log's newest id at the previous check
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			seen = s.check(ctx, seen)
		case <-s.wake:
			s.mu.Lock()
			due := !s.gapSince.IsZero() && time.Since(s.gapSince) >= s.cfg.GapGrace
			s.mu.Unlock()
			if due {
				s.fill(ctx, "gap")
			}
		}
	}
}

// check reads the log's newest id. Ids that were committed at the previous
// check and have still not arrived are read from the log; the newest id
// now is returned for the next check.
func (s *Sequencer) check(ctx context.Context, seen int64) int64 {
	// The head before the read: every id up to it was committed before the
	// read began, so a log that answers less went back. (The head after
	// the read may include ids committed since.)
	before := s.Head()
	last, err := s.log.LastNotificationID(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logg.Warn("relay: read the log's newest id", "err", err)
		}
		return seen
	}
	if last < before {
		// A restored database: follow it, or every new id up to the old
		// head would be taken for a duplicate.
		s.logg.Warn("relay: the notification log is behind this node; following it", "log", last, "node", before)
		s.mu.Lock()
		s.head, s.pending, s.gapSince = last, make(map[int64]broker.Message), time.Time{}
		s.mu.Unlock()
		return last
	}
	if s.Head() < seen {
		s.fill(ctx, "check")
	}
	return last
}

// fill reads the log after head and hands what it finds over, until it
// has caught up.
func (s *Sequencer) fill(ctx context.Context, why string) {
	for {
		head := s.Head()
		notes, err := s.log.NotificationsAfter(ctx, head, s.cfg.Page)
		if err != nil {
			if ctx.Err() == nil {
				s.logg.Warn("relay: read the log", "after", head, "err", err)
				time.AfterFunc(s.cfg.GapGrace, s.poke) // try again
			}
			return
		}
		if len(notes) > 0 {
			s.logg.Debug("relay: read notifications from the log", "why", why, "after", head, "count", len(notes))
		}
		s.handle(encodeAll(notes, s.logg), true)
		if len(notes) < s.cfg.Page {
			s.mu.Lock()
			open := len(s.pending) > 0
			s.mu.Unlock()
			if open {
				// Messages beyond a new gap came in while the log was read.
				time.AfterFunc(s.cfg.GapGrace, s.poke)
			}
			return
		}
	}
}

// encodeAll makes notes messages, in order: the frame of a run of
// notifications alike but for their ids (one publish) is built once and
// each id spliced in (broker.NotificationMessages).
func encodeAll(notes []parkmate.Notification, log *slog.Logger) []broker.Message {
	msgs, failed := broker.NotificationMessages(notes)
	if len(failed) == 0 {
		return msgs
	}
	out := make([]broker.Message, 0, len(notes))
	for i, k, f := 0, 0, 0; i < len(notes); i++ {
		if f < len(failed) && failed[f] == i {
			out = append(out, encode(notes[i], log))
			f++
			continue
		}
		out = append(out, msgs[k])
		k++
	}
	return out
}

// encode makes n a message. A notification whose stored data is not JSON
// still goes out, without its data: the sequence must not stop at it.
func encode(n parkmate.Notification, log *slog.Logger) broker.Message {
	m, err := broker.NotificationMessage(n)
	if err != nil {
		log.Error("relay: encode notification; sending it without data", "id", n.ID, "err", err)
		n.Data = nil
		m, _ = broker.NotificationMessage(n)
	}
	return m
}
