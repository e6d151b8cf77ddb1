package hub_test

import (
	"testing"

	"parkmate"
	"parkmate/hub"
	"parkmate/hub/brokertest"
)

func TestMemoryBroker(t *testing.T) {
	bus := hub.NewMemoryBus()
	brokertest.Run(t, func(testing.TB) hub.Broker { return bus.Node() })
}

// kickRecorder is a subscriber that records its kicks.
type kickRecorder struct {
	sid   string
	kicks []int
}

func (k *kickRecorder) UserID() int64           { return 1 }
func (k *kickRecorder) Role() parkmate.Role     { return parkmate.RoleDriver }
func (k *kickRecorder) SessionID() string       { return k.sid }
func (k *kickRecorder) Deliver(*hub.Message)    {}
func (k *kickRecorder) Kick(code int, _ string) { k.kicks = append(k.kicks, code) }

// A socket whose handshake authenticated just before its session ended
// joins after the session-ended message: it is closed when it joins.
func TestSocketJoiningAfterItsSessionEndedIsClosed(t *testing.T) {
	h := hub.New()
	h.Handle([]hub.Message{hub.SessionEndedMessage(1, "s1")})
	late, other := &kickRecorder{sid: "s1"}, &kickRecorder{sid: "s2"}
	h.Add(late)
	h.Add(other)
	if len(late.kicks) != 1 || late.kicks[0] != hub.CloseSessionEnded || len(other.kicks) != 0 {
		t.Fatalf("kicks: late %v, other %v", late.kicks, other.kicks)
	}
}
