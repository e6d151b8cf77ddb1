// Package redisbroker carries hub messages between nodes over Redis
// pub/sub, so a notification committed on one node reaches the user's
// sockets on every node within a millisecond or so. Redis pub/sub keeps
// nothing and this broker is best effort: what it loses (a blip, a node
// cut off, a node killed) the nodes read from the database (package
// relay). After a broken subscription is restored it calls the handler's
// Resync, so the node checks the database at once.
package redisbroker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"parkmate/broker"
)

// DefaultChannel is the pub/sub channel every node subscribes to.
const DefaultChannel = "parkmate:fanout"

// Timings of the connection to Redis. A Redis that stops answering (a
// black-holed network) is noticed within about two heartbeats.
const (
	// dialTimeout, ioTimeout bound connecting and each command, unless the
	// URL sets its own (dial_timeout, read_timeout, write_timeout).
	dialTimeout = time.Second
	ioTimeout   = time.Second
	// heartbeat is how often an idle subscription pings Redis.
	heartbeat = time.Second
)

// Broker is a broker.Broker over Redis.
type Broker struct {
	client  *redis.Client
	channel string
	origin  string // this node's tag: its own messages are not handed back
	log     *slog.Logger

	mu      sync.Mutex
	subDown time.Time // when the subscription broke (zero: working)
	pubDown time.Time // when publishing started failing (zero: working)
}

var _ broker.Broker = (*Broker)(nil)

// New connects to the Redis at url (redis://host:port/db) and uses the
// pub/sub channel given (DefaultChannel when empty); deployments that share
// a Redis use different channels.
func New(ctx context.Context, url, channel string, log *slog.Logger) (*Broker, error) {
	if channel == "" {
		channel = DefaultChannel
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis broker: %w", err)
	}
	if !strings.Contains(url, "timeout") {
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = dialTimeout, ioTimeout, ioTimeout, ioTimeout
	}
	// A publish that fails is not retried: the database has it.
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis broker: ping %s: %w", opt.Addr, err)
	}
	tag := make([]byte, 8)
	_, _ = rand.Read(tag)
	return &Broker{client: c, channel: channel, origin: hex.EncodeToString(tag), log: log}, nil
}

// Close closes the connection pool.
func (b *Broker) Close() error { return b.client.Close() }

// envelope is one pub/sub message: a batch and the node that sent it.
type envelope struct {
	Origin string           `json:"o"`
	Msgs   []broker.Message `json:"m"`
}

// Publish sends msgs to the other nodes as one pub/sub message.
func (b *Broker) Publish(ctx context.Context, msgs []broker.Message) error {
	payload, err := json.Marshal(envelope{Origin: b.origin, Msgs: msgs})
	if err != nil {
		return err
	}
	err = b.client.Publish(ctx, b.channel, payload).Err()
	b.mu.Lock()
	switch {
	case err == nil:
		b.pubDown = time.Time{}
	case b.pubDown.IsZero():
		b.pubDown = time.Now()
	}
	b.mu.Unlock()
	return err
}

// Unreachable returns how long the broker has been failing (its
// subscription broken or its publishes failing), or 0 while it works.
func (b *Broker) Unreachable() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	since := b.subDown
	if since.IsZero() || (!b.pubDown.IsZero() && b.pubDown.Before(since)) {
		since = b.pubDown
	}
	if since.IsZero() {
		return 0
	}
	return time.Since(since)
}

func (b *Broker) setSubscribed(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case ok:
		b.subDown = time.Time{}
	case b.subDown.IsZero():
		b.subDown = time.Now()
	}
}

// Run subscribes and hands every other node's message to h until ctx
// ends. It pings an idle subscription every heartbeat and subscribes anew
// when Redis stops answering; after that it calls h.Resync.
func (b *Broker) Run(ctx context.Context, h broker.Handler) error {
	failures, restored := 0, false
	for ctx.Err() == nil {
		confirmed, err := b.subscribe(ctx, h, restored)
		if ctx.Err() != nil {
			return nil
		}
		restored = true
		if confirmed {
			failures = 0
		}
		b.setSubscribed(false)
		if failures%30 == 0 {
			b.log.Warn("redis subscription broken; subscribing again", "failures", failures+1, "err", err)
		}
		failures++
		select {
		case <-ctx.Done():
		case <-time.After(min(100*time.Millisecond*time.Duration(failures), time.Second)):
		}
	}
	return nil
}

// errSilent means Redis answered neither messages nor pings for two
// heartbeats.
var errSilent = errors.New("redis stopped answering")

// subscribe runs one subscription until it fails, and reports whether
// Redis confirmed it.
func (b *Broker) subscribe(ctx context.Context, h broker.Handler, restored bool) (confirmed bool, err error) {
	ps := b.client.Subscribe(ctx, b.channel)
	stop := context.AfterFunc(ctx, func() { ps.Close() })
	defer stop()
	defer ps.Close()
	heard := time.Now()
	for {
		v, err := ps.ReceiveTimeout(ctx, heartbeat)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return confirmed, err
			}
			if time.Since(heard) > 2*heartbeat {
				return confirmed, errSilent
			}
			if err := ps.Ping(ctx); err != nil {
				return confirmed, err
			}
			continue
		}
		heard = time.Now()
		switch m := v.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			b.setSubscribed(true)
			confirmed = true
			if restored {
				b.log.Info("redis subscription restored; reading what was missed from the database")
				h.Resync()
			}
		case *redis.Message:
			b.deliver(h, m.Payload)
		case *redis.Pong:
		default:
			b.log.Debug("unexpected pub/sub value", "type", fmt.Sprintf("%T", v))
		}
	}
}

func (b *Broker) deliver(h broker.Handler, payload string) {
	var env envelope
	if err := json.Unmarshal([]byte(payload), &env); err != nil {
		b.log.Error("undecodable broker message", "err", err)
		return
	}
	if env.Origin != b.origin {
		h.Handle(env.Msgs)
	}
}
