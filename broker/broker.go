package broker

import "context"

// Broker carries messages from the node that publishes them to the other
// nodes. It is fast and best effort: implementations deliver each message
// at most once per node, in publish order for one publisher, and may lose
// messages (package relay reads lost notifications from the database).
type Broker interface {
	// Publish sends messages to every other node; the publishing node
	// delivers to itself. A nil error means the broker took them, not that
	// every node received them.
	Publish(ctx context.Context, msgs []Message) error
	// Run hands every message published by any other node to h until ctx
	// ends.
	Run(ctx context.Context, h Handler) error
}

// Handler receives a broker's messages.
type Handler interface {
	// Handle fans messages out, in order.
	Handle(msgs []Message)
	// Resync is called after the broker may have lost messages (it
	// resubscribed).
	Resync()
}
