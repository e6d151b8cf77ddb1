package redisbroker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"parkmate/broker"
	"parkmate/broker/brokertest"
	"parkmate/internal/testservices"
	"parkmate/redisbroker"
)

// channel is this test binary's own, so parallel test packages sharing
// the Redis do not hear each other.
var channel = fmt.Sprintf("parkmate:test:%d", time.Now().UnixNano())

func newBroker(tb testing.TB) broker.Broker {
	b, err := redisbroker.New(context.Background(), testservices.Redis(tb), channel, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { b.Close() })
	return b
}

func TestRedisBroker(t *testing.T) {
	brokertest.Run(t, newBroker)
}

// TestResyncAfterBlip kills the subscriber's connection, as a Redis
// restart or network blip would, and checks the broker resubscribes, asks
// the hub to resync, and delivers again.
func TestResyncAfterBlip(t *testing.T) {
	url := testservices.Redis(t)
	a, b := newBroker(t), newBroker(t)
	r := &brokertest.Recorder{}
	brokertest.Start(t, b, r)
	brokertest.Connect(t, a, r)
	opt, _ := redis.ParseURL(url)
	admin := redis.NewClient(opt)
	defer admin.Close()
	if err := admin.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.Resyncs() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no resync within 10s of the blip")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := a.Publish(context.Background(), []broker.Message{{Kind: broker.KindNotification, UserID: 1, ID: 9, Frame: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if got := r.WaitFor(t, 1); got[len(got)-1].ID != 9 {
		t.Fatalf("after the blip: %+v", got)
	}
}
