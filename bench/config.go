// Package bench is the logic of parkmate-bench, the load tool that ships
// with ParkMate Notify: it creates users, holds authenticated WebSocket
// connections to a running server, drives one scenario and reports the
// figures a user needs to size a deployment.
package bench

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Scenario names.
const (
	ScenarioIdle      = "idle"
	ScenarioPublish   = "publish"
	ScenarioBroadcast = "broadcast"
	ScenarioEvents    = "events"
	ScenarioReconnect = "reconnect"
)

// Scenarios lists the scenario names, in the order the docs give them.
var Scenarios = []string{ScenarioIdle, ScenarioPublish, ScenarioBroadcast, ScenarioEvents, ScenarioReconnect}

// Config is what the command's flags set. The zero value of a field means its
// default, except where noted.
type Config struct {
	URL              string        // server base URL, http://host:port
	Scenario         string        // one of Scenarios
	Conns            int           // WebSocket connections (one user each)
	Duration         time.Duration // how long to hold (idle) or to send (publish, broadcast, events)
	Rate             float64       // publish: notifications/s; broadcast: broadcasts/s; events: verify calls/s; 0 = as fast as possible; < 0 = scenario default
	Batch            int           // user_ids per publish call
	Publishers       int           // concurrent publishing goroutines
	Count            int64         // publish, broadcast: stop after this many REST calls (0: only Duration bounds the run)
	PublishKey       string        // X-API-Key of POST /api/publish/
	Admin            string        // user:pass of an admin (events)
	ServerPID        int           // read the server's figures from /proc/<pid> instead of /metrics
	SourceIPs        int           // spread connections over 127.0.0.1..127.0.0.N (loopback servers only)
	UserPrefix       string        // prefix of the bench usernames
	SetupConcurrency int           // concurrent user creations / logins
	DialConcurrency  int           // concurrent WebSocket handshakes during the initial connect
	DownMsgs         int           // reconnect: notifications per user published while the clients are down
	Drain            time.Duration // how long to wait without progress for outstanding frames
	Password         string        // password of the bench users
	Log              io.Writer     // progress messages; nil = none
}

// Defaults.
const (
	DefaultURL              = "http://127.0.0.1:8000"
	DefaultConns            = 1000
	DefaultDuration         = 10 * time.Second
	DefaultBatch            = 100
	DefaultPublishers       = 4
	DefaultSourceIPs        = 8
	DefaultSetupConcurrency = 32
	DefaultDialConcurrency  = 100
	DefaultDownMsgs         = 3
	DefaultDrain            = 5 * time.Second
	DefaultEventsRate       = 100
	defaultPassword         = "bench-pass-1"
	benchEvent              = "bench.publish"
	broadcastGroup          = "role:driver"
	maxSlotsPerLot          = 500
)

// DefaultUserPrefix derives a prefix from the time and the pid, so that reruns
// against the same database do not collide.
func DefaultUserPrefix() string {
	return "b" + strconv.FormatInt(time.Now().Unix(), 36) + strconv.FormatInt(int64(os.Getpid()%1296), 36)
}

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,20}$`)

// normalize fills defaults and checks the configuration.
func (c *Config) normalize() error {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	c.URL = strings.TrimRight(c.URL, "/")
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want http://host:port", c.URL)
	}
	if c.Scenario == "" {
		c.Scenario = ScenarioIdle
	}
	known := false
	for _, s := range Scenarios {
		known = known || s == c.Scenario
	}
	if !known {
		return fmt.Errorf("--scenario %q: want one of %s", c.Scenario, strings.Join(Scenarios, ", "))
	}
	if c.Conns <= 0 {
		return errors.New("--conns must be at least 1")
	}
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
	}
	if c.Rate < 0 {
		c.Rate = 0
		if c.Scenario == ScenarioEvents {
			c.Rate = DefaultEventsRate
		}
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.Publishers <= 0 {
		c.Publishers = DefaultPublishers
	}
	if c.Count < 0 {
		return errors.New("--count must be at least 0")
	}
	if c.SourceIPs <= 0 {
		c.SourceIPs = 1
	}
	if c.SourceIPs > 254 {
		return errors.New("--source-ips must be at most 254")
	}
	if c.UserPrefix == "" {
		c.UserPrefix = DefaultUserPrefix()
	}
	if !prefixRE.MatchString(c.UserPrefix) {
		return fmt.Errorf("--user-prefix %q: want 1-20 of [A-Za-z0-9_.-]", c.UserPrefix)
	}
	if c.SetupConcurrency <= 0 {
		c.SetupConcurrency = DefaultSetupConcurrency
	}
	if c.DialConcurrency <= 0 {
		c.DialConcurrency = DefaultDialConcurrency
	}
	if c.DownMsgs <= 0 {
		c.DownMsgs = DefaultDownMsgs
	}
	if c.Drain <= 0 {
		c.Drain = DefaultDrain
	}
	if c.Password == "" {
		c.Password = defaultPassword
	}
	switch c.Scenario {
	case ScenarioPublish, ScenarioBroadcast, ScenarioReconnect:
		if c.PublishKey == "" {
			return fmt.Errorf("scenario %s needs --publish-key (the server's publish API key)", c.Scenario)
		}
	case ScenarioEvents:
		if u, p, ok := strings.Cut(c.Admin, ":"); !ok || u == "" || p == "" {
			return errors.New("scenario events needs --admin user:pass (an admin account of the server)")
		}
	}
	return nil
}
