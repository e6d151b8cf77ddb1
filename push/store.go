package push

import (
	"context"
	"time"

	"parkmate"
)

// Store is the storage push runs on; package sqlstore implements it on
// SQLite and PostgreSQL.
type Store interface {
	// Update runs fn in one write transaction (committed when fn returns nil).
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
}

// Tx is one transaction of push's tables.
type Tx interface {
	// Now is the transaction's time.
	Now() time.Time
	KeyTx
	SubscriptionTx
	PreferenceTx
	OutboxTx
}

// KeyTx keeps the VAPID key pair.
type KeyTx interface {
	// VAPIDKeys returns the stored key pair; ok is false when there is none.
	VAPIDKeys() (k Keys, ok bool, err error)
	// AddVAPIDKeys stores k unless a pair is stored already (a node that
	// started at the same moment won); the caller reads back the winner.
	AddVAPIDKeys(k Keys) error
}

// SubscriptionTx keeps the browsers' push subscriptions.
type SubscriptionTx interface {
	// SaveSubscription stores s for s.UserID, or updates the keys of its
	// endpoint when s.UserID has it. An endpoint of another user moves to
	// s.UserID (its pending deliveries dropped) only when its keys are the
	// same (the same browser, another person signed in); with other keys
	// it is a conflict error (ErrEndpointInUse). created is false when the
	// user had this endpoint already. A user who would have more than max
	// subscriptions gets a conflict error (ErrTooMany). Nothing changes on
	// an error.
	SaveSubscription(s Subscription, max int) (out Subscription, created bool, err error)
	// Subscriptions lists a user's subscriptions, newest first.
	Subscriptions(userID int64) ([]Subscription, error)
	// DeleteSubscription removes a user's subscription by endpoint; ok is
	// false when the user has none with that endpoint.
	DeleteSubscription(userID int64, endpoint string) (ok bool, err error)
	// DropSubscription removes a subscription by id (the push service said
	// it is gone), with its pending deliveries.
	DropSubscription(id int64) error
}

// PreferenceTx keeps what each user wants pushed.
type PreferenceTx interface {
	// PushPreferences returns the events the user set, with their choice;
	// events not in the map take their default.
	PushPreferences(userID int64) (map[string]bool, error)
	// SetPushPreferences stores the user's choice for each event of prefs.
	SetPushPreferences(userID int64, prefs map[string]bool) error
}

// OutboxTx is the durable outbox: the cursor over the notification log,
// its lease, what pages displayed, and the deliveries.
type OutboxTx interface {
	// PushLease returns the cursor, who holds the lease until when, and
	// the database's time (the lease and the claims are timed by the
	// database's clock, the same for every node).
	PushLease() (Lease, error)
	// TakePushLease gives the lease to node for d from the database's
	// now, when node holds it or it has ended; ok reports whether node
	// holds it now. On PostgreSQL the row stays locked until the
	// transaction ends, so transactions that took the lease run one after
	// another.
	TakePushLease(node string, d time.Duration) (l Lease, ok bool, err error)
	// HoldsPushLease reports whether node holds the lease (ended or not:
	// nobody else took it), and keeps anybody from taking it until the
	// transaction ends.
	HoldsPushLease(node string) (bool, error)
	// ReleasePushLease ends node's lease, if it holds it.
	ReleasePushLease(node string) error
	// AdvancePushCursor moves the cursor from 'from' to 'to' while node
	// holds the lease; ok is false (and nothing moves) otherwise.
	AdvancePushCursor(node string, from, to int64) (ok bool, err error)
	// PushCandidates returns the notifications with after < id <= upTo
	// whose user (not deleted) has a subscription, in id order, and the
	// newest committed notification id.
	PushCandidates(after, upTo int64) (cands []Candidate, last int64, err error)
	// Fanout returns, for the users of cands, their subscriptions (not
	// expired at now), the events they set, and which of cands a page
	// displayed.
	Fanout(userIDs []int64, noteIDs []int64, now time.Time) (Fanout, error)
	// AddDeliveries stores deliveries; one already stored for the same
	// notification and subscription is left as it is.
	AddDeliveries(ds []NewDelivery) error
	// ForgetDisplayed drops the displayed marks of ids up to upTo.
	ForgetDisplayed(upTo int64) error
	// MarkDisplayed records that a visible page of the user showed ids;
	// ids that are not the user's notifications, or that the cursor has
	// passed, are ignored.
	MarkDisplayed(userID int64, ids []int64) error
	// HasSubscription reports whether the user has a push subscription.
	HasSubscription(userID int64) (bool, error)
	// DueSubscriptions returns up to limit subscriptions whose first
	// pending delivery (in notification order) is due at now and not
	// claimed, oldest first.
	DueSubscriptions(now time.Time, limit int) ([]int64, error)
	// NextDelivery returns the subscription's first pending delivery, with
	// what sending it needs; ok is false when it is not due at now, is
	// claimed, or there is none.
	NextDelivery(subscriptionID int64, now time.Time) (d Delivery, ok bool, err error)
	// ClaimDelivery claims a delivery for d (the database's clock): until
	// the claim ends, or the delivery is rescheduled or deleted, its
	// subscription is not due.
	ClaimDelivery(id int64, d time.Duration) error
	// RescheduleDelivery sets the next attempt of a delivery, counting a
	// failed attempt when failed, and ends its claim.
	RescheduleDelivery(id int64, at time.Time, failed bool) error
	// DeleteDelivery removes a delivery (sent, refused or given up).
	DeleteDelivery(id int64) error
	// PendingDeliveries counts the deliveries not yet done.
	PendingDeliveries() (int, error)
}

// Lease is the outbox's shared state.
type Lease struct {
	// Cursor is the newest notification id the outbox has handled.
	Cursor int64
	// Owner is the node holding the lease ("" for none) until Until.
	Owner string
	Until time.Time
	// Now is the database's time when the lease was read.
	Now time.Time
}

// Candidate is a notification that may be pushed.
type Candidate struct {
	ID        int64
	UserID    int64
	Event     string
	Data      []byte
	CreatedAt time.Time
}

// Fanout is what deciding a batch of candidates needs.
type Fanout struct {
	// Subscriptions by user id.
	Subscriptions map[int64][]int64
	// Preferences by user id, then event (only the events a user set).
	Preferences map[int64]map[string]bool
	// Displayed holds the candidates a visible page showed.
	Displayed map[int64]bool
}

// NewDelivery is a push to make.
type NewDelivery struct {
	NotificationID int64
	SubscriptionID int64
	NextAt         time.Time
	GiveUpAt       time.Time
}

// Delivery is a pending push with what sending it needs.
type Delivery struct {
	ID           int64
	Attempts     int
	GiveUpAt     time.Time
	Subscription Subscription
	Notification parkmate.Notification
}
