package main

import (
	"context"
	"flag"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"parkmate"
	"parkmate/broker"
	"parkmate/httpapi"
	"parkmate/push"
	"parkmate/relay"
	"parkmate/socket"
	"parkmate/sqlstore"
)

// PushConfig is the Web Push part of Config: the push service's own
// settings, which the flags set in place, and the list of push hosts as
// given, and the limits of the socket and the API that push adds.
type PushConfig struct {
	// Config is what push.New takes; Hosts (from HostList), Node and
	// Registerer are set where the service is made.
	push.Config
	// HostList is --push-hosts: comma-separated hosts.
	HostList        string
	MaxDisplayedIDs int
	TestRate        int
}

// bindPushFlags defines the flags of Web Push.
func bindPushFlags(fs *flag.FlagSet, c *PushConfig) {
	fs.StringVar(&c.HostList, "push-hosts", strings.Join(push.DefaultHosts, ","),
		"comma-separated push services a subscription may name: host (https, port 443), *.domain, or host:port (also plain http and private addresses; for tests)")
	fs.StringVar(&c.Keys.Public, "vapid-public-key", "", "VAPID public key, base64url (with --vapid-private-key; default: a pair made on first start and kept in the database)")
	fs.StringVar(&c.Keys.Private, "vapid-private-key", "", "VAPID private key, base64url")
	fs.StringVar(&c.Subject, "vapid-subject", push.DefaultSubject, "VAPID contact the push services may reach you at (mailto: or https://)")
	fs.DurationVar(&c.Grace, "push-grace", push.DefaultGrace, "how long a notification waits for a visible page to display it before it is pushed")
	fs.DurationVar(&c.GiveUp, "push-give-up", push.DefaultGiveUp, "how long a push is retried before it is given up")
	fs.DurationVar(&c.TTL, "push-ttl", push.DefaultTTL, "how long push services keep a message for an offline device (the expiry warning: until the booking ends)")
	fs.DurationVar(&c.Interval, "push-interval", push.DefaultInterval, "how often the push worker looks for notifications and retries that are due")
	fs.DurationVar(&c.Lease, "push-lease", push.DefaultLease, "how long one node's turn as the push sender lasts unless renewed (a dead node hands over after it)")
	fs.DurationVar(&c.Timeout, "push-timeout", push.DefaultTimeout, "longest one request to a push service may take")
	fs.IntVar(&c.Concurrency, "push-concurrency", push.DefaultConcurrency, "requests to push services in flight at once")
	fs.IntVar(&c.MaxSubscriptions, "max-push-subscriptions", push.DefaultMaxSubscriptions, "push subscriptions (devices) one user may have (409 beyond)")
	fs.IntVar(&c.MaxDisplayedIDs, "max-displayed-ids", socket.DefaultMaxDisplayedIDs, "ids one displayed frame may carry (1008 beyond)")
	fs.IntVar(&c.TestRate, "push-test-rate", httpapi.DefaultPushTestRate, "test pushes one user may ask for per minute (429 beyond; 0: no limit)")
}

// newPush returns the node's Web Push service.
func newPush(ctx context.Context, db *sqlstore.DB, c PushConfig, clock parkmate.Clock, log *slog.Logger, node string,
	reg prometheus.Registerer) (*push.Service, error) {
	cfg := c.Config
	cfg.Hosts, cfg.Node, cfg.Registerer = splitList(c.HostList), node, reg
	return push.New(ctx, db.PushStore(), clock, cfg, log)
}

// pushNudger hands the Sequencer's messages to the hub and wakes the push
// worker when they hold notifications: every node's Sequencer sees every
// committed notification, so the node holding the push lease hears of one
// within milliseconds, whichever node committed it.
type pushNudger struct {
	relay.Fanout
	app *App
}

// Handle implements relay.Fanout.
func (n pushNudger) Handle(msgs []broker.Message) {
	n.Fanout.Handle(msgs)
	if n.app.push == nil {
		return
	}
	for i := range msgs {
		if msgs[i].ID > 0 {
			n.app.push.Nudge()
			return
		}
	}
}
