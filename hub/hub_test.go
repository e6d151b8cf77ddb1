package hub_test

import (
	"testing"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// endRecorder is a subscriber that counts how often its session ended.
type endRecorder struct {
	sid   string
	ended int
}

func (k *endRecorder) UserID() int64           { return 1 }
func (k *endRecorder) Role() parkmate.Role     { return parkmate.RoleDriver }
func (k *endRecorder) SessionID() string       { return k.sid }
func (k *endRecorder) Deliver(*broker.Message) {}
func (k *endRecorder) SessionEnded()           { k.ended++ }
func (k *endRecorder) Kick(int, string)        {}

// A socket whose handshake authenticated just before its session ended
// joins after the session-ended message: it is closed when it joins.
func TestSocketJoiningAfterItsSessionEndedIsClosed(t *testing.T) {
	h := hub.New()
	h.Handle([]broker.Message{broker.SessionEndedMessage(1, "s1")})
	late, other := &endRecorder{sid: "s1"}, &endRecorder{sid: "s2"}
	h.Add(late)
	h.Add(other)
	if late.ended != 1 || other.ended != 0 {
		t.Fatalf("ended: late %d, other %d", late.ended, other.ended)
	}
}
