package relay

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"parkmate"
	"parkmate/broker"
)

// SenderConfig holds the Sender's bounds. Zero fields take the defaults.
type SenderConfig struct {
	// Queue is how many batches may wait for the broker; beyond it a batch
	// is not published (the other nodes read it from the log).
	Queue int
	// PublishTimeout bounds one publish to the broker.
	PublishTimeout time.Duration
	// MaxBatch is the most messages one publish carries.
	MaxBatch int
	// MaxBytes bounds the frames one publish carries; a larger batch (a
	// publish to thousands of users) is split. A single larger message
	// goes alone.
	MaxBytes int
}

// Defaults for SenderConfig.
const (
	DefaultSenderQueue    = 4096
	DefaultPublishTimeout = 2 * time.Second
	DefaultMaxBatch       = 2000
	DefaultMaxBytes       = 256 << 10
)

func (c SenderConfig) withDefaults() SenderConfig {
	if c.Queue <= 0 {
		c.Queue = DefaultSenderQueue
	}
	if c.PublishTimeout <= 0 {
		c.PublishTimeout = DefaultPublishTimeout
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	return c
}

// Sender hands what this node commits to its own Sequencer at once and to
// the other nodes through the broker in the background: a request never
// waits for the broker, and a broker that fails loses nothing but speed
// (notifications are read from the log; ended sessions are found by
// auth's revocation check). It implements sqlstore.Relay, parking.Notifier
// and auth.SessionNotifier.
type Sender struct {
	local broker.Handler
	bus   broker.Broker
	cfg   SenderConfig
	log   *slog.Logger
	queue chan []broker.Message

	dropped atomic.Uint64 // batches not published: the queue was full
	failed  atomic.Uint64 // batches the broker refused or timed out on
}

// NewSender returns a Sender to local (this node's Sequencer) and broker.
// Run must be running for anything to reach the broker.
func NewSender(local broker.Handler, bus broker.Broker, cfg SenderConfig, log *slog.Logger) *Sender {
	cfg = cfg.withDefaults()
	return &Sender{local: local, bus: bus, cfg: cfg, log: log, queue: make(chan []broker.Message, cfg.Queue)}
}

// Committed implements sqlstore.Relay.
func (s *Sender) Committed(_ context.Context, notes []parkmate.Notification) {
	s.Send(encodeAll(notes, s.log))
}

// Send delivers msgs to this node now and queues them for the others.
// The local handler copies what it keeps and never writes msgs, so the
// publishing goroutine may read them meanwhile.
func (s *Sender) Send(msgs []broker.Message) {
	s.local.Handle(msgs)
	select {
	case s.queue <- msgs:
	default:
		if s.dropped.Add(1)%1000 == 1 {
			s.log.Warn("relay: broker queue full; other nodes will read notifications from the database", "dropped_batches", s.dropped.Load())
		}
	}
}

// ReadState implements parking.Notifier.
func (s *Sender) ReadState(_ context.Context, userID int64, ids []int64) {
	s.Send([]broker.Message{broker.ReadMessage(userID, ids)})
}

// ReadAll implements parking.Notifier.
func (s *Sender) ReadAll(_ context.Context, userID, upTo int64) {
	s.Send([]broker.Message{broker.ReadAllMessage(userID, upTo)})
}

// Live implements parking.Notifier.
func (s *Sender) Live(_ context.Context, l parkmate.Live) {
	msgs, err := broker.LiveMessages(l)
	if err != nil {
		s.log.Error("relay: live frames not encoded", "err", err)
		return
	}
	s.Send(msgs)
}

// SessionEnded implements auth.SessionNotifier.
func (s *Sender) SessionEnded(_ context.Context, userID int64, sessionID string) {
	s.Send([]broker.Message{broker.SessionEndedMessage(userID, sessionID)})
}

// Dropped returns how many batches were not published because the queue
// was full, and how many the broker failed to take.
func (s *Sender) Dropped() (full, failed uint64) { return s.dropped.Load(), s.failed.Load() }

// Run publishes queued batches, several at a time, until ctx ends; then it
// publishes what is left for at most one PublishTimeout.
func (s *Sender) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			s.flush()
			return
		case first := <-s.queue:
			s.publish(context.WithoutCancel(ctx), s.gather(first))
		}
	}
}

// gather adds to first the batches already waiting, up to MaxBatch.
func (s *Sender) gather(first []broker.Message) []broker.Message {
	msgs := first
	for len(msgs) < s.cfg.MaxBatch {
		select {
		case more := <-s.queue:
			if len(msgs) == len(first) {
				msgs = slices.Clip(msgs)
			}
			msgs = append(msgs, more...)
		default:
			return msgs
		}
	}
	return msgs
}

// publish sends msgs in parts of at most MaxBatch messages and MaxBytes.
func (s *Sender) publish(ctx context.Context, msgs []broker.Message) {
	for len(msgs) > 0 {
		n, size := 0, 0
		for n < len(msgs) && n < s.cfg.MaxBatch {
			size += len(msgs[n].Frame) + len(msgs[n].Group) + len(msgs[n].SessionID) + messageOverhead
			if n > 0 && size > s.cfg.MaxBytes {
				break
			}
			n++
		}
		s.publishPart(ctx, msgs[:n])
		msgs = msgs[n:]
	}
}

// messageOverhead is a message's JSON beside its frame, group and session.
const messageOverhead = 64

func (s *Sender) publishPart(ctx context.Context, msgs []broker.Message) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
	defer cancel()
	if err := s.bus.Publish(ctx, msgs); err != nil {
		if s.failed.Add(1)%100 == 1 {
			s.log.Warn("relay: publish to the broker failed; other nodes will read notifications from the database",
				"messages", len(msgs), "failed_batches", s.failed.Load(), "err", err)
		}
	}
}

// flush publishes what is queued, within one PublishTimeout.
func (s *Sender) flush() {
	deadline := time.Now().Add(s.cfg.PublishTimeout)
	for time.Now().Before(deadline) {
		select {
		case first := <-s.queue:
			s.publish(context.Background(), s.gather(first))
		default:
			return
		}
	}
}
