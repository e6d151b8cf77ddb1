package push

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"parkmate"
)

// payloadNote is a notification as the outbox pushes one, with message.
func payloadNote(message string) parkmate.Notification {
	return parkmate.Notification{ID: 4242, UserID: 7, Type: parkmate.LevelWarning, Message: message,
		Event: parkmate.EventBookingExpiring, Data: json.RawMessage(`{"booking_id":12,"lot":"` + strings.Repeat("x", 300) + `"}`),
		CreatedAt: time.Date(2026, 11, 25, 20, 0, 0, 123e6, time.UTC)}
}

// checkPayload asserts that p is the push of n: at most maxPayload bytes
// of JSON, and either n whole or n with data cut to its booking_id and
// the longest prefix of the message (whole runes) followed by an
// ellipsis that fits.
func checkPayload(t *testing.T, n parkmate.Notification, p []byte) {
	t.Helper()
	if len(p) > maxPayload {
		t.Fatalf("payload of %d bytes, more than %d", len(p), maxPayload)
	}
	var got parkmate.Notification
	if err := json.Unmarshal(p, &got); err != nil {
		t.Fatalf("payload %q: %v", p, err)
	}
	whole, _ := json.Marshal(n)
	if len(whole) <= maxPayload {
		if string(p) != string(whole) {
			t.Fatalf("a notification that fits was changed: %s", p)
		}
		return
	}
	if got.ID != n.ID || got.Event != n.Event || got.Type != n.Type || !got.CreatedAt.Equal(n.CreatedAt) {
		t.Fatalf("fields changed: %+v", got)
	}
	if got.Message == valid(n.Message) {
		return // the cut data made room
	}
	prefix, ok := strings.CutSuffix(got.Message, "…")
	// The original message's cut that reads as prefix: JSON turns each
	// byte that is not UTF-8 into U+FFFD.
	cut := -1
	var read strings.Builder
	for i, r := range n.Message {
		if read.String() == prefix {
			cut = i
			break
		}
		read.WriteRune(r)
	}
	if !ok || cut < 0 {
		t.Fatalf("message %q is not a prefix of the message and an ellipsis", got.Message)
	}
	// The longest: one more rune would not fit.
	_, size := utf8.DecodeRuneInString(n.Message[cut:])
	got.Message = n.Message[:cut+size] + "…"
	if b, _ := json.Marshal(got); len(b) <= maxPayload {
		t.Fatalf("message cut at %d bytes, but %d would fit", cut, cut+size)
	}
}

// valid is s as JSON carries it: each byte that is not UTF-8 is U+FFFD.
func valid(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// TestPayloadShortensAtEveryLength shortens messages whose JSON lands just below,
// at and just above the record's limit, ending in characters that JSON
// escapes to 6 bytes (<, >, &, U+2028), in multi-byte runes, and in
// ASCII, and messages made only of them.
func TestPayloadShortensAtEveryLength(t *testing.T) {
	// The JSON of the notification without its message.
	base, _ := json.Marshal(parkmate.Notification{ID: 4242, Type: parkmate.LevelWarning, Event: parkmate.EventBookingExpiring,
		Data: json.RawMessage(`{"booking_id":12}`), CreatedAt: payloadNote("").CreatedAt})
	for _, last := range []string{"a", "<", ">", "&", "\u2028", "\"", "\\", "é", "€", "😀", "\xff"} {
		// k 'a's and last: the JSON is len(base)+k+w bytes; land around the limit.
		w := len(must(json.Marshal(last))) - 2
		k0 := maxPayload - len(base) - w
		for k := k0 - 8; k <= k0+16; k++ {
			n := payloadNote(strings.Repeat("a", k) + last)
			checkPayload(t, n, Payload(n))
		}
		for r := 1; r <= 8; r++ { // only last, around the limit
			c := (maxPayload-len(base))/w + r - 4
			n := payloadNote(strings.Repeat(last, c))
			checkPayload(t, n, Payload(n))
		}
	}
	for _, n := range []parkmate.Notification{
		payloadNote(strings.Repeat("<", 647)),  // the reviewer's case
		payloadNote(strings.Repeat("a", 3878)), // and the other one
		payloadNote(strings.Repeat("<", 100000)),
		payloadNote(""),
		{ID: 1, Type: parkmate.LevelInfo, Message: "short"},
	} {
		checkPayload(t, n, Payload(n))
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzPayload: whatever the message and data, the payload is one record's
// worth of valid JSON, the whole notification when it fits, else the
// longest message prefix that fits. The message is head, then unit
// repeated count times, then tail: small inputs make messages of every
// length around the record's limit.
func FuzzPayload(f *testing.F) {
	f.Add("", "<", uint16(648), "", []byte(nil))
	f.Add("", "a", uint16(3881), "<", []byte(nil))
	f.Add("é", "&x", uint16(1300), "\xff", []byte(`{"booking_id":3,"x":"yyyy"}`))
	f.Fuzz(func(t *testing.T, head, unit string, count uint16, tail string, data []byte) {
		if len(unit)*int(count) > 1<<16 {
			t.Skip("longer than any message")
		}
		n := payloadNote(head + strings.Repeat(unit, int(count)) + tail)
		n.Data = nil
		if json.Valid(data) {
			n.Data = data
		}
		checkPayload(t, n, Payload(n))
	})
}
