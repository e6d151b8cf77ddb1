// Package socket serves the notification WebSocket: it registers the
// socket with the hub before the 101 is sent, replays what a resuming
// client missed, writes queued frames, answers pings, enforces the inbound
// frame limit and closes slow or expired sockets with the contract's codes.
// Authentication and authorization happen before Serve, in package httpapi.
package socket

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gobwas/ws"
	"github.com/prometheus/client_golang/prometheus"

	"parkmate"
	"parkmate/hub"
)

// Config holds the limits of a socket. Zero fields take the defaults.
type Config struct {
	// MaxFrame is the largest inbound frame payload, in bytes (1009 above).
	MaxFrame int64
	// QueueLen is how many outbound frames may wait for a socket before it
	// is closed as slow (1013).
	QueueLen int
	// PingInterval is how often the server pings; a peer silent for two
	// intervals is dropped.
	PingInterval time.Duration
	// WriteTimeout bounds one write to a socket, of at most WriteChunk
	// bytes. A write that misses it ends the connection without a close
	// frame (the peer may hold part of a frame).
	WriteTimeout time.Duration
	// WriteChunk is the most bytes one write hands a socket: replay pages
	// and queued batches are written in chunks of whole frames up to this
	// size (a larger frame in pieces of this size), each with a deadline
	// of its own, so a slow but live peer needs to take only WriteChunk
	// bytes per WriteTimeout. On Linux it also caps the bytes the kernel
	// holds unsent for a socket (see limitUnsent).
	WriteChunk int
	// ReplayPage is how many stored notifications one replay query reads.
	ReplayPage int
	// MaxWatchedLots is the most lots one watch frame may name (1008
	// above).
	MaxWatchedLots int
	// NoPoller gives every socket a reading goroutine instead of watching
	// idle sockets with epoll.
	NoPoller bool
	// Displayed records the displayed frames of proto 2 clients; nil
	// accepts and ignores them.
	Displayed Displayed
	// MaxDisplayedIDs bounds the ids of one displayed frame (1008 above).
	MaxDisplayedIDs int
}

// Defaults for Config.
const (
	DefaultMaxFrame     = 4096
	DefaultQueueLen     = 256
	DefaultPingInterval = 30 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	DefaultWriteChunk   = 64 << 10
	DefaultReplayPage   = 100
	DefaultWatchedLots  = 50
	// closeGrace is how long a closing socket waits for the peer's close.
	closeGrace = time.Second
)

func (c Config) withDefaults() Config {
	if c.MaxFrame <= 0 {
		c.MaxFrame = DefaultMaxFrame
	}
	if c.QueueLen <= 0 {
		c.QueueLen = DefaultQueueLen
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.WriteChunk <= 0 {
		c.WriteChunk = DefaultWriteChunk
	}
	if c.ReplayPage <= 0 {
		c.ReplayPage = DefaultReplayPage
	}
	if c.MaxDisplayedIDs <= 0 {
		c.MaxDisplayedIDs = DefaultMaxDisplayedIDs
	}
	if c.MaxWatchedLots <= 0 {
		c.MaxWatchedLots = DefaultWatchedLots
	}
	return c
}

// Store reads what sockets need: stored notifications for a resuming
// socket, and lots for a watch.
type Store interface {
	// ExistingLots returns those of ids that are lots.
	ExistingLots(ctx context.Context, ids []int64) (map[int64]bool, error)
	// NotificationsSince returns up to limit notifications after since,
	// oldest first.
	NotificationsSince(ctx context.Context, userID int64, role parkmate.Role, since int64, limit int) ([]parkmate.Notification, error)
	// LatestID returns the newest notification id the user can see (0: none).
	LatestID(ctx context.Context, userID int64, role parkmate.Role) (int64, error)
}

// Metrics are the socket counters exported on /metrics.
type Metrics struct {
	Open       prometheus.Gauge
	Frames     prometheus.Counter
	SlowCloses prometheus.Counter
}

// NewMetrics registers the socket metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Open:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "parkmate_sockets_open", Help: "Open notification WebSockets on this node."}),
		Frames:     prometheus.NewCounter(prometheus.CounterOpts{Name: "parkmate_socket_frames_total", Help: "Notification frames written to sockets."}),
		SlowCloses: prometheus.NewCounter(prometheus.CounterOpts{Name: "parkmate_socket_slow_closes_total", Help: "Sockets closed because their queue overflowed."}),
	}
	reg.MustRegister(m.Open, m.Frames, m.SlowCloses)
	return m
}

// Server accepts sockets for one node.
type Server struct {
	hub     *hub.Hub
	store   Store
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	ping    []byte
	poller  *poller
}

// NewServer returns a Server that registers sockets with h and replays
// from store.
func NewServer(h *hub.Hub, store Store, cfg Config, log *slog.Logger, m *Metrics) *Server {
	h.EncodeWith(textFrame)
	if m == nil {
		m = NewMetrics(prometheus.NewRegistry())
	}
	ping, _ := ws.CompileFrame(ws.NewPingFrame(nil))
	s := &Server{hub: h, store: store, cfg: cfg.withDefaults(), log: log, metrics: m, ping: ping}
	if !cfg.NoPoller {
		p, err := newPoller()
		if err != nil {
			log.Warn("no epoll: every socket gets a reading goroutine", "err", err)
		} else {
			s.poller = p
		}
	}
	return s
}

// Params describe an authenticated, authorized socket request.
type Params struct {
	UserID         int64
	Role           parkmate.Role
	SessionID      string
	SessionExpires time.Time
	// Since, when HasSince, asks for every stored notification after it.
	Since    int64
	HasSince bool
	// Proto 2 also receives read-state and notice frames.
	Proto int
}

// Serve upgrades the request and serves the socket until it closes. The
// socket joins the hub before the 101 response is written, so whatever
// commits after the client sees the 101 reaches it.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, p Params) {
	c := newConn(s, p)
	s.hub.Add(c)
	nc, rw, _, err := ws.HTTPUpgrader{}.Upgrade(r, w)
	if err != nil {
		s.hub.Remove(c)
		s.log.Debug("websocket upgrade failed", "user", p.UserID, "err", err)
		return
	}
	c.start(nc, rw.Reader)
}

// Run watches idle sockets and pings every socket each PingInterval,
// dropping peers silent for two intervals, until ctx ends.
func (s *Server) Run(ctx context.Context) {
	if s.poller != nil {
		go s.poller.run(ctx)
	}
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.sweep(now)
		}
	}
}

// sweep drops peers silent for two ping intervals and pings the others.
func (s *Server) sweep(now time.Time) {
	s.hub.Each(func(sub hub.Subscriber) {
		c, ok := sub.(*Conn)
		if !ok {
			return
		}
		if c.stale(now) {
			c.teardown()
			return
		}
		c.enqueueControl(s.ping)
	})
}
