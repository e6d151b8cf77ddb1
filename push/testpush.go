package push

import (
	"context"
	"sync"
	"time"

	"parkmate"
)

// TestResult is what became of a test push to one subscription.
type TestResult struct {
	Endpoint string `json:"endpoint"`
	Result   string `json:"result"`
	Status   int    `json:"status,omitempty"`
}

// TestEvent is the event of a test push; it is never stored.
const TestEvent = "push.test"

// testTTL is how long a push service keeps a test push.
const testTTL = time.Minute

// SendTest pushes a test notification to every subscription of user at
// once (no grace, no preference: the user asked for it) and returns what
// each push service answered; a subscription that is gone is deleted.
func (s *Service) SendTest(ctx context.Context, user parkmate.User) ([]TestResult, error) {
	subs, err := s.Subscriptions(ctx, user)
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, parkmate.CodedErrorf(parkmate.ECONFLICT, "no_subscription",
			"This account has no push subscription yet: enable notifications on this device first.")
	}
	now := s.clock.Now()
	n := parkmate.Notification{Type: parkmate.LevelInfo, Message: "Test notification: this device gets ParkMate's notifications.",
		Event: TestEvent, CreatedAt: now}
	out := make([]TestResult, len(subs))
	var wg sync.WaitGroup
	for i, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := s.sender.send(ctx, sub, Payload(n), Policy{TTL: testTTL, Urgency: "normal"}, "")
			out[i] = TestResult{Endpoint: sub.Endpoint, Result: a.Result.String(), Status: a.Status}
			if a.Result == Gone {
				s.write(ctx, func(tx Tx) error { return tx.DropSubscription(sub.ID) })
			}
		}()
	}
	wg.Wait()
	return out, nil
}
