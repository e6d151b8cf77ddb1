// Package push reaches users who have no page open: it sends their
// notifications to their browsers by Web Push (RFC 8030 push protocol,
// RFC 8291 aes128gcm message encryption, RFC 8292 VAPID) through
// github.com/SherClockHolmes/webpush-go, and keeps their subscriptions and
// their choice per event.
//
// When to push: a notification is pushed once its grace period has passed
// and no visible page of its user displayed it (the socket's displayed
// frame, recorded in the database). One node at a time, holding a lease,
// walks the notification log (gap-free, in commit order) with a cursor
// that lives in the database, and turns each notification that should be
// pushed into one delivery per subscription; deliveries are sent, retried
// with backoff or after the push service's Retry-After, and given up after
// a bounded time. So a push survives restarts and goes out once per
// notification and subscription across all nodes; the notifying
// transaction itself writes nothing for push.
package push

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"parkmate"
)

// Config holds the settings of push. Zero fields take the defaults.
type Config struct {
	// Hosts is the allow-list of push services (see Hosts); nil takes
	// DefaultHosts.
	Hosts []string
	// Keys is the VAPID key pair; zero loads the one in the database,
	// made on the first start.
	Keys Keys
	// Subject is the VAPID contact (a mailto: or https: URL).
	Subject string
	// Grace is how long a notification waits for a visible page to
	// display it before it is pushed.
	Grace time.Duration
	// GiveUp is how long a push is retried at most.
	GiveUp time.Duration
	// TTL is how long a push service keeps a message for an offline
	// device (the expiry warning keeps it until the booking ends).
	TTL time.Duration
	// Interval is how often the worker looks for work.
	Interval time.Duration
	// Lease is how long the worker's lease lasts unless renewed; a node
	// that dies hands over after it.
	Lease time.Duration
	// Timeout bounds one request to a push service.
	Timeout time.Duration
	// Concurrency bounds the requests to push services in flight.
	Concurrency int
	// Batch bounds the notifications, and the deliveries, one step handles.
	Batch int
	// MaxSubscriptions bounds a user's subscriptions.
	MaxSubscriptions int
	// Node names this node in the lease.
	Node string
	// Registerer takes the metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
}

// Defaults for Config.
const (
	DefaultSubject          = "mailto:admin@parkmate.invalid"
	DefaultGrace            = 10 * time.Second
	DefaultGiveUp           = time.Hour
	DefaultTTL              = 12 * time.Hour
	DefaultInterval         = 500 * time.Millisecond
	DefaultLease            = 15 * time.Second
	DefaultTimeout          = 10 * time.Second
	DefaultConcurrency      = 8
	DefaultBatch            = 500
	DefaultMaxSubscriptions = 10
)

func (c Config) withDefaults() Config {
	if c.Hosts == nil {
		c.Hosts = DefaultHosts
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.GiveUp, DefaultGiveUp)
	def(&c.TTL, DefaultTTL)
	def(&c.Interval, DefaultInterval)
	def(&c.Lease, DefaultLease)
	def(&c.Timeout, DefaultTimeout)
	if c.Grace < 0 {
		c.Grace = 0
	}
	for _, p := range []struct {
		v *int
		d int
	}{{&c.Concurrency, DefaultConcurrency}, {&c.Batch, DefaultBatch},
		{&c.MaxSubscriptions, DefaultMaxSubscriptions}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	return c
}

// CheckSubject reports whether subject is a VAPID contact RFC 8292 allows.
func CheckSubject(subject string) error {
	if len(subject) < 8 || (subject[:7] != "mailto:" && subject[:8] != "https://") {
		return fmt.Errorf("the VAPID subject %q must be a mailto: or https:// URL", subject)
	}
	return nil
}

// Service is push on one node: the API's operations and the worker. It
// is safe for concurrent use.
type Service struct {
	db      Store
	clock   parkmate.Clock
	cfg     Config
	hosts   *Hosts
	keys    Keys
	sender  *sender
	log     *slog.Logger
	metrics *metrics

	passMu    sync.Mutex
	passes    chan struct{} // closed and replaced when a worker pass ends
	wake      chan struct{} // Nudge
	nextPass  atomic.Int64  // when Run plans its next pass (Unix ns)
	graceEnds atomic.Int64  // when the oldest notification in its grace may go (Unix ns; 0: none)
	backlog   atomic.Bool   // the last pass stopped with work left
}

// New returns the Service of a node: it checks the configuration and
// loads the VAPID keys (making and storing them on the first start).
func New(ctx context.Context, db Store, clock parkmate.Clock, cfg Config, log *slog.Logger) (*Service, error) {
	cfg = cfg.withDefaults()
	hosts, err := ParseHosts(cfg.Hosts)
	if err != nil {
		return nil, err
	}
	if err := CheckSubject(cfg.Subject); err != nil {
		return nil, err
	}
	keys, err := loadKeys(ctx, db, cfg.Keys, log)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, clock: clock, cfg: cfg, hosts: hosts, keys: keys, log: log,
		metrics: newMetrics(cfg.Registerer), passes: make(chan struct{}), wake: make(chan struct{}, 1)}
	s.sender = &sender{client: hosts.Client(cfg.Timeout), keys: keys, subject: cfg.Subject, now: clock.Now}
	return s, nil
}

// PublicKey is the VAPID public key browsers subscribe with
// (applicationServerKey), base64url.
func (s *Service) PublicKey() string { return s.keys.Public }

// Subscribe stores a browser's subscription for user; created is false
// when the user had it already (its keys are updated).
func (s *Service) Subscribe(ctx context.Context, user parkmate.User, j SubscriptionJSON) (sub Subscription, created bool, err error) {
	sub, err = j.Parse(s.hosts, user.ID, s.clock.Now())
	if err != nil {
		return sub, false, err
	}
	err = s.db.Update(ctx, func(tx Tx) error {
		sub, created, err = tx.SaveSubscription(sub, s.cfg.MaxSubscriptions)
		return err
	})
	return sub, created, err
}

// Subscriptions lists user's subscriptions, newest first.
func (s *Service) Subscriptions(ctx context.Context, user parkmate.User) (subs []Subscription, err error) {
	err = s.db.View(ctx, func(tx Tx) error {
		subs, err = tx.Subscriptions(user.ID)
		return err
	})
	return subs, err
}

// Unsubscribe removes user's subscription with endpoint (404 when none).
func (s *Service) Unsubscribe(ctx context.Context, user parkmate.User, endpoint string) error {
	return s.db.Update(ctx, func(tx Tx) error {
		ok, err := tx.DeleteSubscription(user.ID, endpoint)
		if err == nil && !ok {
			err = parkmate.CodedErrorf(parkmate.ENOTFOUND, "subscription_not_found", "You have no push subscription with this endpoint.")
		}
		return err
	})
}

// Preferences returns user's choice per event.
func (s *Service) Preferences(ctx context.Context, user parkmate.User) (p Preferences, err error) {
	err = s.db.View(ctx, func(tx Tx) error {
		set, err := tx.PushPreferences(user.ID)
		p = preferences(set)
		return err
	})
	return p, err
}

// SetPreferences stores user's choice for the events in push (others keep
// theirs) and returns the whole set; an unknown event is a 422.
func (s *Service) SetPreferences(ctx context.Context, user parkmate.User, push map[string]bool) (Preferences, error) {
	for e := range push {
		if !Known(e) {
			return Preferences{}, parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "unknown_event",
				"%q is not an event that can be pushed; the events are %s.", e, parkmate.OneOf(Events()))
		}
	}
	var p Preferences
	err := s.db.Update(ctx, func(tx Tx) error {
		if err := tx.SetPushPreferences(user.ID, push); err != nil {
			return err
		}
		set, err := tx.PushPreferences(user.ID)
		p = preferences(set)
		return err
	})
	return p, err
}

// Displayed records that a visible page of the user showed ids, so they
// are not pushed. It writes nothing for a user without a subscription.
func (s *Service) Displayed(ctx context.Context, userID int64, ids []int64) error {
	var has bool
	if err := s.db.View(ctx, func(tx Tx) (err error) {
		has, err = tx.HasSubscription(userID)
		return err
	}); err != nil || !has {
		return err
	}
	return s.db.Update(ctx, func(tx Tx) error { return tx.MarkDisplayed(userID, ids) })
}
