package push

import (
	"encoding/json"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"parkmate"
)

// maxPayload is the largest plaintext one aes128gcm record of 4096 bytes
// carries (RFC 8291: 4096 minus the 86-byte header, the 16-byte tag and
// the padding delimiter); push services accept no more.
const maxPayload = 4096 - 86 - 16 - 1

// Payload is the push message's plaintext: the notification frame of the
// WebSocket, {"id", "type", "message", "event", "data", "created_at"}.
// When it would not fit in one record, data is cut down to its
// booking_id, then the message is shortened.
func Payload(n parkmate.Notification) []byte {
	b, _ := json.Marshal(n)
	if len(b) <= maxPayload {
		return b
	}
	var d struct {
		BookingID int64 `json:"booking_id,omitempty"`
	}
	_ = json.Unmarshal(n.Data, &d)
	n.Data = nil
	if d.BookingID != 0 {
		n.Data, _ = json.Marshal(d)
	}
	if b, _ = json.Marshal(n); len(b) <= maxPayload {
		return b
	}
	// The longest prefix of the message (whole runes, and an ellipsis)
	// whose JSON fits: JSON escapes make bytes of text and of JSON differ,
	// so the search runs over the rune boundaries (cuts[k] is where the
	// k-th rune starts; the last cut is the whole message), and a longer
	// prefix never has shorter JSON.
	msg := n.Message
	cuts := make([]int, 0, len(msg)+1)
	for i := range msg {
		cuts = append(cuts, i)
	}
	cuts = append(cuts, len(msg))
	fits := func(k int) bool {
		n.Message = msg[:cuts[k]] + "…"
		b, _ := json.Marshal(n)
		return len(b) <= maxPayload
	}
	// The whole message with no ellipsis did not fit: the answer is below
	// the last cut. lo always fits (or is 0), hi never does.
	lo, hi := 0, len(cuts)-1
	for hi-lo > 1 {
		if mid := lo + (hi-lo)/2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	n.Message = msg[:cuts[lo]] + "…"
	b, _ = json.Marshal(n)
	return b
}

// Policy is how one notification is pushed.
type Policy struct {
	// TTL is how long the push service keeps the message for a device
	// that is offline.
	TTL time.Duration
	// Urgency is RFC 8030's Urgency header.
	Urgency webpush.Urgency
	// Until is when the push stops being worth sending: retries end there.
	Until time.Time
}

// policyFor returns the policy of a notification pushed at now: the
// expiry warning is urgent and lives until the booking ends (its
// data.ends_at); everything else is normal and lives ttl.
func policyFor(n parkmate.Notification, now time.Time, ttl time.Duration) Policy {
	if n.Event == parkmate.EventBookingExpiring {
		var d struct {
			EndsAt time.Time `json:"ends_at"`
		}
		if err := json.Unmarshal(n.Data, &d); err == nil && !d.EndsAt.IsZero() {
			return Policy{TTL: max(d.EndsAt.Sub(now), 0), Urgency: webpush.UrgencyHigh, Until: d.EndsAt}
		}
	}
	return Policy{TTL: ttl, Urgency: webpush.UrgencyNormal, Until: n.CreatedAt.Add(ttl)}
}
