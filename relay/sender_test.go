package relay

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/broker"
)

// partsBroker records the size of every publish.
type partsBroker struct {
	mu    sync.Mutex
	parts []int
	bytes []int
}

func (b *partsBroker) Publish(_ context.Context, msgs []broker.Message) error {
	size := 0
	for _, m := range msgs {
		size += len(m.Frame) + messageOverhead
	}
	b.mu.Lock()
	b.parts = append(b.parts, len(msgs))
	b.bytes = append(b.bytes, size)
	b.mu.Unlock()
	return nil
}

func (b *partsBroker) Run(ctx context.Context, _ broker.Handler) error { <-ctx.Done(); return nil }

type nopHandler struct{}

func (nopHandler) Handle([]broker.Message) {}
func (nopHandler) Resync()                 {}

func TestSenderSplitsLargeBatches(t *testing.T) {
	frame := func(n int) []byte { return []byte(`{"message":"` + strings.Repeat("x", n) + `"}`) }
	tests := []struct {
		name      string
		msgs      int
		frameSize int
		maxBatch  int
		maxBytes  int
		wantParts []int
	}{
		{"small batch in one part", 10, 10, 100, 1 << 20, []int{10}},
		{"split by count", 250, 10, 100, 1 << 20, []int{100, 100, 50}},
		{"split by bytes", 10, 1000, 100, 3500, []int{3, 3, 3, 1}},
		{"one message larger than the bound goes alone", 2, 5000, 100, 1000, []int{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &partsBroker{}
			s := NewSender(nopHandler{}, b, SenderConfig{MaxBatch: tc.maxBatch, MaxBytes: tc.maxBytes}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			msgs := make([]broker.Message, tc.msgs)
			for i := range msgs {
				msgs[i] = broker.Message{Kind: broker.KindNotification, UserID: 1, ID: int64(i + 1), Frame: frame(tc.frameSize)}
			}
			s.publish(context.Background(), msgs)
			if fmt.Sprint(b.parts) != fmt.Sprint(tc.wantParts) {
				t.Fatalf("parts %v, want %v", b.parts, tc.wantParts)
			}
			for i, size := range b.bytes {
				if b.parts[i] > 1 && size > tc.maxBytes {
					t.Fatalf("part %d carries %d bytes, over %d", i, size, tc.maxBytes)
				}
			}
		})
	}
}

// TestEncodeAllKeepsOrderAndBadData checks that a notification whose
// stored data is not JSON goes out in its place, without its data, among
// spliced ones.
func TestEncodeAllKeepsOrderAndBadData(t *testing.T) {
	at := time.Date(2026, 11, 25, 20, 41, 10, 0, time.UTC)
	notes := make([]parkmate.Notification, 5)
	for i := range notes {
		notes[i] = parkmate.Notification{ID: int64(i + 1), UserID: int64(10 + i), Type: parkmate.LevelInfo, Message: "m",
			Data: []byte(`{"k":1}`), CreatedAt: at}
	}
	notes[2].Data = []byte(`{broken`)
	msgs := encodeAll(notes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if len(msgs) != len(notes) {
		t.Fatalf("%d messages for %d notifications", len(msgs), len(notes))
	}
	for i, m := range msgs {
		want := `{"id":` + strconv.Itoa(i+1) + `,"type":"info","message":"m","data":{"k":1},"created_at":"2026-11-25T20:41:10Z"}`
		if i == 2 {
			want = `{"id":3,"type":"info","message":"m","created_at":"2026-11-25T20:41:10Z"}`
		}
		if m.ID != int64(i+1) || m.UserID != int64(10+i) || string(m.Frame) != want {
			t.Errorf("message %d: id %d user %d %s, want %s", i, m.ID, m.UserID, m.Frame, want)
		}
	}
}
