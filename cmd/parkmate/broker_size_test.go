package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"parkmate"
	"parkmate/auth"
	"parkmate/internal/testservices"
	"parkmate/parking"
	"parkmate/relay"
)

// TestLargePublishToManyUsersIsSplitAndDelivered: one publish of the
// largest message and data to 200 users (4.4 MB of frames) reaches Redis
// as messages of at most relay.DefaultMaxBytes each, and every socket on
// the other node gets it through the broker (the periodic check of the
// database is an hour away). One 40 KB request used to make an 88 MB
// Redis message, and Redis dropped every subscriber.
func TestLargePublishToManyUsersIsSplitAndDelivered(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.DB = testservices.Postgres(t)
	cfg.Broker = testservices.Redis(t)
	cfg.BrokerChannel = fmt.Sprintf("parkmate:test:%s:%d", t.Name(), time.Now().UnixNano())
	cfg.GapCheck = time.Hour
	clock := newFakeClock()
	a, b := startServer(t, cfg, clock), startServer(t, cfg, clock)

	// Watch the channel as a third node would.
	watch := watchChannel(t, ctx, cfg)

	const users = 200
	made := createUsers(t, ctx, a, users)
	ids, sockets := dialFirstAndLast(t, ctx, a, b, made, 10)
	message := strings.Repeat("€", parking.MaxMessageRunes) // 6,000 bytes
	data := map[string]string{"blob": strings.Repeat("x", parking.MaxPublishDataLen-100)}
	var reply struct{ IDs []int64 }
	c := &client{t: t, srv: a}
	if got := c.doKey("POST", "/api/publish/", map[string]any{"user_ids": ids, "type": "info", "message": message,
		"event": "test.large", "data": data}, cfg.PublishKey, &reply); got != 202 || len(reply.IDs) != users {
		t.Fatalf("publish: %d, %d ids", got, len(reply.IDs))
	}
	for i, w := range sockets {
		f := w.next()
		var got map[string]string
		if f.Event != "test.large" || f.Message != message || json.Unmarshal(f.Data, &got) != nil || got["blob"] != data["blob"] {
			t.Fatalf("socket %d: frame %d %s, %d bytes", i, f.ID, f.Event, len(f.Message))
		}
	}
	watch.mu.Lock()
	defer watch.mu.Unlock()
	total, largest := 0, 0
	for _, n := range watch.sizes {
		total += n
		largest = max(largest, n)
	}
	// A part holds at most DefaultMaxBytes of frames, with a few bytes of
	// envelope per message.
	if total < users*(len(message)+len(data["blob"])) || len(watch.sizes) < 10 || largest > relay.DefaultMaxBytes+4096 {
		t.Fatalf("%d Redis messages, %d bytes, the largest %d bytes: want parts of at most %d", len(watch.sizes), total, largest, relay.DefaultMaxBytes)
	}
}

// channelWatch holds the sizes of the messages seen on a broker channel.
type channelWatch struct {
	mu    sync.Mutex
	sizes []int
}

// watchChannel subscribes to cfg's broker channel, as a third node would,
// and records the size of every message on it until the test ends.
func watchChannel(t *testing.T, ctx context.Context, cfg Config) *channelWatch {
	t.Helper()
	opt, err := redis.ParseURL(cfg.Broker)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	t.Cleanup(func() { rc.Close() })
	sub := rc.Subscribe(ctx, cfg.BrokerChannel)
	t.Cleanup(func() { sub.Close() })
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	w := &channelWatch{}
	go func() {
		for m := range sub.Channel(redis.WithChannelSize(1000)) {
			w.mu.Lock()
			w.sizes = append(w.sizes, len(m.Payload))
			w.mu.Unlock()
		}
	}()
	return w
}

// createUsers makes n drivers on srv in one transaction. The accounts
// share one password hash: hashing 200 passwords would be most of the
// test's time under the race detector.
func createUsers(t *testing.T, ctx context.Context, srv *testServer, n int) []parkmate.User {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("long-enough"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	var made []parkmate.User
	if err := srv.app.db.AuthStore().Update(ctx, func(tx auth.Tx) error {
		for i := range n {
			u, err := tx.CreateUser(parkmate.User{Username: fmt.Sprintf("user%03d", i), Role: parkmate.RoleDriver, PasswordHash: string(hash)})
			if err != nil {
				return err
			}
			made = append(made, u)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return made
}

// dialFirstAndLast returns the ids of made, and sockets on b for the first
// and last edge users, signed in on a.
func dialFirstAndLast(t *testing.T, ctx context.Context, a, b *testServer, made []parkmate.User, edge int) ([]int64, []*wsClient) {
	t.Helper()
	ids := make([]int64, len(made))
	var sockets []*wsClient
	for i, u := range made {
		ids[i] = u.ID
		if i < edge || i >= len(made)-edge {
			tok, _, _, err := a.app.auth.Login(ctx, u.Username, "long-enough")
			if err != nil {
				t.Fatal(err)
			}
			w, _, err := dialWS(t, b, fmt.Sprintf("/ws/notifications/%d/", u.ID), http.Header{"Authorization": {"Bearer " + tok}})
			if err != nil {
				t.Fatal(err)
			}
			sockets = append(sockets, w)
		}
	}
	return ids, sockets
}
