package hub

import (
	"context"
	"log/slog"
	"time"

	"parkmate"
)

// Publisher turns committed notifications into broker messages. It
// implements sqlstore.Publisher.
type Publisher struct {
	Broker Broker
	Logger *slog.Logger
	// Retries bounds how often a failed Publish is tried again.
	Retries int
}

// Publish encodes and publishes notes. A broker that keeps failing loses
// the live delivery only: the notifications are stored, and sockets catch
// up when the broker reconnects (Resync) or the client resumes with since.
func (p *Publisher) Publish(ctx context.Context, notes []parkmate.Notification) {
	msgs := make([]Message, 0, len(notes))
	for _, n := range notes {
		m, err := NotificationMessage(n)
		if err != nil {
			p.Logger.Error("encode notification", "id", n.ID, "err", err)
			continue
		}
		msgs = append(msgs, m)
	}
	p.Send(ctx, msgs)
}

// Send publishes messages, retrying with a short backoff.
func (p *Publisher) Send(ctx context.Context, msgs []Message) {
	var err error
	for attempt := 0; attempt <= p.Retries; attempt++ {
		if err = p.Broker.Publish(ctx, msgs); err == nil {
			return
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	p.Logger.Error("publish to broker failed; sockets will catch up from storage", "messages", len(msgs), "err", err)
}

// ReadState tells a user's sockets that ids were marked read.
func (p *Publisher) ReadState(ctx context.Context, userID int64, ids []int64) {
	p.Send(ctx, []Message{ReadMessage(userID, ids)})
}

// ReadAll tells a user's sockets that every id up to upTo was read.
func (p *Publisher) ReadAll(ctx context.Context, userID, upTo int64) {
	p.Send(ctx, []Message{ReadAllMessage(userID, upTo)})
}

// SessionEnded closes a session's sockets on every node.
func (p *Publisher) SessionEnded(ctx context.Context, userID int64, sessionID string) {
	p.Send(ctx, []Message{SessionEndedMessage(userID, sessionID)})
}
