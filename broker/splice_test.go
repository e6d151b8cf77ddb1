package broker_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"parkmate"
	"parkmate/broker"
)

// TestNotificationMessagesSpliceIDs checks that every frame equals the
// notification's own JSON, whether it was marshalled or spliced from the
// one before, and that a notification whose data is not JSON is reported
// and left out.
func TestNotificationMessagesSpliceIDs(t *testing.T) {
	at := time.Date(2026, 11, 25, 20, 41, 10, 123e6, time.UTC)
	like := func(id, user int64) parkmate.Notification {
		return parkmate.Notification{ID: id, UserID: user, Type: parkmate.LevelInfo, Message: "Booking \"A\" <ends>",
			Event: "booking.expiring", Data: json.RawMessage(`{"booking_id": 7}`), CreatedAt: at}
	}
	other := like(0, 0)
	other.Message = "another"
	group := like(0, 0)
	group.GroupKey = "role:driver"
	bad := like(0, 0)
	bad.Data = json.RawMessage(`{not json`)
	notes := []parkmate.Notification{like(8, 1), like(9, 2), like(10, 3), like(11, 4)} // 9 -> 10: one more digit
	for _, n := range []parkmate.Notification{other, group, bad, like(0, 5), like(0, 6)} {
		n.ID = int64(len(notes) + 8)
		notes = append(notes, n)
	}
	notes[len(notes)-1].CreatedAt = at.Add(time.Millisecond) // same text but for the time
	msgs, failed := broker.NotificationMessages(notes)
	if !slices.Equal(failed, []int{6}) || len(msgs) != len(notes)-1 {
		t.Fatalf("failed %v, %d messages, want [6] and %d", failed, len(msgs), len(notes)-1)
	}
	k := 0
	for i, n := range notes {
		if i == 6 {
			continue
		}
		want, err := broker.NotificationMessage(n)
		if err != nil {
			t.Fatal(err)
		}
		m := msgs[k]
		k++
		if !bytes.Equal(m.Frame, want.Frame) || m.ID != n.ID || m.UserID != n.UserID || m.Group != n.GroupKey || m.Kind != broker.KindNotification {
			t.Errorf("note %d: %+v %s, want %s", i, m, m.Frame, want.Frame)
		}
	}
}

// BenchmarkNotificationMessages encodes a publish to 100 users: one
// marshal and 99 splices, against a marshal each. ns/op is per message.
func BenchmarkNotificationMessages(b *testing.B) {
	notes := make([]parkmate.Notification, 100)
	at := time.Now().UTC()
	for i := range notes {
		notes[i] = parkmate.Notification{ID: int64(1000 + i), UserID: int64(i + 1), Type: parkmate.LevelInfo, Message: "parkmate-bench",
			Event: "bench.publish", Data: json.RawMessage(`{"bench":"run","seq":77,"ts":1785412345678901248}`), CreatedAt: at}
	}
	b.Run("spliced", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			broker.NotificationMessages(notes)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/message")
	})
	b.Run("marshalled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, n := range notes {
				if _, err := broker.NotificationMessage(n); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/message")
	})
}
