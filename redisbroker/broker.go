// Package redisbroker carries hub messages between nodes over Redis
// pub/sub, so a notification committed on one node reaches the user's
// sockets on every node. Redis pub/sub keeps nothing: after the
// subscription breaks and comes back, the broker asks the hub to resync
// every socket from storage, so a blip loses no notification.
package redisbroker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"parkmate/hub"
)

// DefaultChannel is the pub/sub channel every node subscribes to.
const DefaultChannel = "parkmate:fanout"

// Broker is a hub.Broker over Redis.
type Broker struct {
	client  *redis.Client
	channel string
	log     *slog.Logger
}

var _ hub.Broker = (*Broker)(nil)

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
	c := redis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis broker: ping %s: %w", opt.Addr, err)
	}
	return &Broker{client: c, channel: channel, log: log}, nil
}

// Close closes the connection pool.
func (b *Broker) Close() error { return b.client.Close() }

// Ping checks that Redis answers.
func (b *Broker) Ping(ctx context.Context) error { return b.client.Ping(ctx).Err() }

// Publish sends msgs to every node as one pub/sub message. Redis handles
// commands in order, so a Publish that starts after another returned is
// delivered after it on every subscriber.
func (b *Broker) Publish(ctx context.Context, msgs []hub.Message) error {
	payload, err := json.Marshal(msgs)
	if err != nil {
		return err
	}
	return b.client.Publish(ctx, b.channel, payload).Err()
}

// Run subscribes and hands every message to h until ctx ends. After a
// broken subscription is restored it calls h.Resync.
func (b *Broker) Run(ctx context.Context, h hub.Handler) error {
	ps := b.client.Subscribe(ctx, b.channel)
	// Receive does not watch ctx; closing the subscription ends it.
	stop := context.AfterFunc(ctx, func() { ps.Close() })
	defer stop()
	defer ps.Close()
	subscribed := false
	failures := 0
	for {
		v, err := ps.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			if failures == 1 || failures%100 == 0 {
				b.log.Warn("redis subscription broken; retrying", "failures", failures, "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff(failures)):
			}
			continue
		}
		switch m := v.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			if subscribed {
				b.log.Info("redis subscription restored; resyncing sockets from storage", "after_failures", failures)
				h.Resync()
			}
			subscribed, failures = true, 0
		case *redis.Message:
			var msgs []hub.Message
			if err := json.Unmarshal([]byte(m.Payload), &msgs); err != nil {
				b.log.Error("undecodable broker message", "err", err)
				continue
			}
			h.Handle(msgs)
		case *redis.Pong:
		default:
			b.log.Debug("unexpected pub/sub value", "type", fmt.Sprintf("%T", v))
		}
	}
}

func backoff(failures int) time.Duration {
	d := 50 * time.Millisecond << min(failures, 6)
	return min(d, 2*time.Second)
}
