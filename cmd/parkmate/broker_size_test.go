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
	opt, err := redis.ParseURL(cfg.Broker)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	sub := rc.Subscribe(ctx, cfg.BrokerChannel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sizes []int
	go func() {
		for m := range sub.Channel(redis.WithChannelSize(1000)) {
			mu.Lock()
			sizes = append(sizes, len(m.Payload))
			mu.Unlock()
		}
	}()

	// The accounts share one password hash: hashing 200 passwords would
	// be most of the test's time under the race detector.
	const users = 200
	hash, err := bcrypt.GenerateFromPassword([]byte("long-enough"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	var made []parkmate.User
	if err := a.app.db.AuthStore().Update(ctx, func(tx auth.Tx) error {
		for i := range users {
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
	ids := make([]int64, users)
	var sockets []*wsClient
	for i, u := range made {
		ids[i] = u.ID
		if i < 10 || i >= users-10 {
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
	mu.Lock()
	defer mu.Unlock()
	total, largest := 0, 0
	for _, n := range sizes {
		total += n
		largest = max(largest, n)
	}
	// A part holds at most DefaultMaxBytes of frames, with a few bytes of
	// envelope per message.
	if total < users*(len(message)+len(data["blob"])) || len(sizes) < 10 || largest > relay.DefaultMaxBytes+4096 {
		t.Fatalf("%d Redis messages, %d bytes, the largest %d bytes: want parts of at most %d", len(sizes), total, largest, relay.DefaultMaxBytes)
	}
}
