package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"parkmate"
	"parkmate/auth"
	"parkmate/broker"
	"parkmate/health"
	"parkmate/httpapi"
	"parkmate/hub"
	"parkmate/parking"
	"parkmate/push"
	"parkmate/relay"
	"parkmate/socket"
	"parkmate/sqlstore"
)

// Config is everything the binary can be told, by flag or environment.
type Config struct {
	Addr              string
	DB                string
	Broker            string
	BrokerChannel     string
	JWTSecret         string
	AllowedOrigins    string
	ExpiryWarning     time.Duration
	MaxBooking        time.Duration
	PricePerHour      float64
	Currency          string
	MaxWatchedLots    int
	SessionTTL        time.Duration
	PublishKey        string
	PasswordCost      int
	AuthRate          int
	SignupRate        int
	BodyTimeout       time.Duration
	MaxSocketsPerUser int
	MaxConnsPerAddr   int
	SecureCookies     bool
	MaxBody           int64
	WSMaxFrame        int64
	WSQueue           int
	WSPing            time.Duration
	WSWriteTimeout    time.Duration
	GapCheck          time.Duration
	GroupCommit       int
	SessionCheck      time.Duration
	BrokerGrace       time.Duration
	SchedulerInterval time.Duration
	ShutdownTimeout   time.Duration
	LogLevel          string
	DebugAddr         string
	Demo              bool
	Push              PushConfig
}

// App is one running node: storage, broker, hub, services and HTTP.
type App struct {
	cfg      Config
	log      *slog.Logger
	db       *sqlstore.DB
	hub      *hub.Hub
	broker   broker.Broker
	seq      *relay.Sequencer
	sender   *relay.Sender
	health   *health.Monitor
	parking  *parking.Service
	auth     *auth.Service
	sockets  *socket.Server
	push     *push.Service
	http     *http.Server
	listener net.Listener
	nodeID   string
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// Options are what tests inject.
type Options struct {
	Clock parkmate.Clock
	Log   *slog.Logger
	Web   fs.FS
	// Listener, when set, is where Start serves (the command listens
	// before it writes anything); otherwise Start listens on cfg.Addr.
	Listener net.Listener
}

// NewApp opens storage and wires a node; Start serves it.
func NewApp(ctx context.Context, cfg Config, opt Options) (*App, error) {
	if opt.Clock == nil {
		opt.Clock = parkmate.SystemClock{}
	}
	log := opt.Log
	if err := httpapi.CheckOrigins(splitList(cfg.AllowedOrigins)); err != nil {
		return nil, fmt.Errorf("--allowed-origins: %w", err)
	}
	if err := checkPrice(cfg.PricePerHour, cfg.Currency); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, hub: hub.New(), nodeID: newNodeID(), listener: opt.Listener}
	db, err := openDB(ctx, cfg.DB, sqlstore.WithNow(opt.Clock.Now), sqlstore.WithGroupCommit(cfg.GroupCommit))
	if err != nil {
		return nil, err
	}
	a.db = db
	secret, err := jwtSecret(cfg, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	if a.broker, err = openBroker(ctx, cfg.Broker, cfg.BrokerChannel, log); err != nil {
		db.Close()
		return nil, err
	}
	a.wireRelay(cfg)
	a.parking = parking.New(a.db.ParkingStore(), opt.Clock, a.sender, parking.Config{MaxBooking: cfg.MaxBooking, ExpiryWarning: cfg.ExpiryWarning,
		PricePerHourCents: int64(math.Round(cfg.PricePerHour * 100)), Currency: cfg.Currency})
	if a.auth, err = auth.New(a.db.AuthStore(), opt.Clock, a.sender, auth.Config{Secret: secret, SessionTTL: cfg.SessionTTL, PasswordCost: cfg.PasswordCost}); err != nil {
		db.Close()
		return nil, err
	}
	a.health = health.New(time.Second, time.Second,
		health.Check{Name: "database", Probe: a.probeDB},
		health.Check{Name: "broker", Probe: a.probeBroker})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	if a.push, err = newPush(ctx, a.db, cfg.Push, opt.Clock, log, a.nodeID, reg); err != nil {
		db.Close()
		return nil, err
	}
	a.sockets = socket.NewServer(a.hub, a.parking, socket.Config{MaxFrame: cfg.WSMaxFrame, QueueLen: cfg.WSQueue,
		PingInterval: cfg.WSPing, WriteTimeout: cfg.WSWriteTimeout, MaxWatchedLots: cfg.MaxWatchedLots,
		Displayed: a.push, MaxDisplayedIDs: cfg.Push.MaxDisplayedIDs}, log, socket.NewMetrics(reg))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "parkmate_password_checks_total",
		Help: "Passwords compared with bcrypt by sign-ins."}, func() float64 { return float64(a.auth.PasswordChecks()) }))
	api, err := httpapi.New(httpapi.Deps{Parking: a.parking, Auth: a.auth, Sockets: a.sockets, UserSockets: a.hub, Log: log,
		Web: opt.Web, Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), Ready: a.health.Ready, Push: a.push},
		httpapi.Config{AllowedOrigins: splitList(cfg.AllowedOrigins), PublishKey: cfg.PublishKey, MaxBody: cfg.MaxBody,
			AuthRate: cfg.AuthRate, SignupRate: cfg.SignupRate, BodyTimeout: cfg.BodyTimeout,
			MaxSocketsPerUser: cfg.MaxSocketsPerUser, SecureCookie: cfg.SecureCookies, PushTestRate: cfg.Push.TestRate})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.http = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return a, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// jwtSecret returns the configured secret, or one kept beside a SQLite
// database (generated on first start).
func jwtSecret(cfg Config, log *slog.Logger) (auth.Secret, error) {
	if cfg.JWTSecret != "" {
		return auth.Secret(cfg.JWTSecret), nil
	}
	if strings.Contains(cfg.DB, "://") {
		return nil, errors.New("--jwt-secret (PARKMATE_JWT_SECRET) is required with a shared database: every node must sign with the same secret")
	}
	path := cfg.DB + ".jwt-secret"
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return auth.Secret(strings.TrimSpace(string(b))), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return nil, fmt.Errorf("save generated JWT secret: %w", err)
	}
	log.Info("generated a JWT secret and kept it beside the database; set --jwt-secret to choose one", "file", path)
	return auth.Secret(secret), nil
}

// wireRelay connects what commits to every node's sockets: the Sender
// hands this node's notifications to its Sequencer and publishes them to
// the other nodes; the Sequencer takes the broker's messages and the
// database's log and feeds the hub in id order.
func (a *App) wireRelay(cfg Config) {
	a.seq = relay.NewSequencer(a.db, pushNudger{a.hub, a}, relay.Config{
		CheckInterval:  cfg.GapCheck,
		OnSessionEnded: func(id string) { a.auth.ForgetSession(id) },
		OnBrokerGap:    func() { a.auth.ForgetAllSessions() },
	}, a.log)
	a.sender = relay.NewSender(a.seq, a.broker, relay.SenderConfig{}, a.log)
	a.db = a.db.WithRelay(a.sender)
}

// unreachable is a broker that can tell how long it has been failing.
type unreachable interface{ Unreachable() time.Duration }

// probeDB checks that the database takes a write now.
func (a *App) probeDB(ctx context.Context) error {
	return a.db.Update(ctx, func(tx *sqlstore.Tx) error { return tx.Heartbeat(a.nodeID) })
}

// probeBroker fails once the broker has been unreachable for longer than
// --broker-grace.
func (a *App) probeBroker(context.Context) error {
	b, ok := a.broker.(unreachable)
	if !ok {
		return nil
	}
	if d := b.Unreachable(); d > a.cfg.BrokerGrace {
		return fmt.Errorf("unreachable for %s", d.Round(time.Second))
	}
	return nil
}

// Start listens and serves in the background.
func (a *App) Start(ctx context.Context) error {
	ln := a.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Addr); err != nil {
			return err
		}
		a.listener = ln
	}
	ln = httpapi.LimitConnsPerAddr(ln, a.cfg.MaxConnsPerAddr)
	ctx, a.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := a.seq.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("read the notification log: %w", err)
	}
	a.health.RunOnce(ctx)
	a.wg.Add(10)
	go func() {
		defer a.wg.Done()
		if err := a.broker.Run(ctx, a.seq); err != nil && ctx.Err() == nil {
			a.log.Error("broker stopped", "err", err)
		}
	}()
	go func() { defer a.wg.Done(); a.seq.Run(ctx) }()
	go func() { defer a.wg.Done(); a.sender.Run(ctx) }()
	go func() { defer a.wg.Done(); a.health.Run(ctx) }()
	go func() {
		defer a.wg.Done()
		a.auth.WatchRevocations(ctx, a.cfg.SessionCheck, a.log, func(userID int64, sessionID string) {
			a.seq.Handle([]broker.Message{broker.SessionEndedMessage(userID, sessionID)})
		})
	}()
	go func() { defer a.wg.Done(); a.sockets.Run(ctx) }()
	go func() { defer a.wg.Done(); a.parking.RunScheduler(ctx, a.cfg.SchedulerInterval, a.log) }()
	go func() { defer a.wg.Done(); a.purgeSessions(ctx) }()
	go func() { defer a.wg.Done(); a.push.Run(ctx) }()
	if a.cfg.DebugAddr != "" {
		go a.serveDebug(ctx)
	}
	go func() {
		defer a.wg.Done()
		if err := a.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "err", err)
		}
	}()
	a.log.Info("parkmate listening", "url", openURL(ln.Addr()), "addr", ln.Addr().String(), "db", redactDSN(a.cfg.DB), "broker", redactDSN(a.cfg.Broker))
	return nil
}

// serveDebug serves pprof on the debug address, apart from the public one.
func (a *App) serveDebug(ctx context.Context) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: a.cfg.DebugAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	a.log.Info("pprof listening", "addr", a.cfg.DebugAddr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Error("debug server stopped", "err", err)
	}
}

// purgeSessions deletes long-ended sessions, and idempotency keys older
// than a day, every hour until ctx ends.
func (a *App) purgeSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.auth.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("purge sessions", "err", err)
			}
			if _, err := a.parking.PurgeIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("purge idempotency keys", "err", err)
			}
		}
	}
}

// Addr is the address the node listens on.
func (a *App) Addr() string { return a.listener.Addr().String() }

// Shutdown stops accepting, closes sockets with 1001, finishes in-flight
// requests and closes storage.
func (a *App) Shutdown(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- a.http.Shutdown(ctx) }()
	a.hub.CloseAll(socket.CloseGoingAway, "server going away")
	err := <-errc
	// Give close frames a moment to leave.
	deadline := time.Now().Add(2 * time.Second)
	for a.hub.Count() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	a.cancel()
	a.wg.Wait()
	if c, ok := a.broker.(io.Closer); ok {
		_ = c.Close()
	}
	if cerr := a.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// newNodeID names this process in the heartbeat table.
func newNodeID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}

// redactDSN drops credentials from a database or broker URL for logs.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if j := strings.LastIndex(dsn, "@"); j > i {
			return dsn[:i+3] + "***@" + dsn[j+1:]
		}
	}
	return dsn
}

// checkPrice refuses a price that is negative or not a whole number of
// cents, and a currency that is not an ISO 4217 code ("" takes the
// default).
func checkPrice(perHour float64, currency string) error {
	cents := perHour * 100
	if perHour < 0 || math.IsNaN(perHour) || math.IsInf(perHour, 0) || math.Abs(cents-math.Round(cents)) > 1e-6 || cents > 1e9 {
		return fmt.Errorf("--price-per-hour must be 0 or more, in whole cents (for example 2.50), got %v", perHour)
	}
	if currency != "" && len(currency) != 3 || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return fmt.Errorf("--currency must be an ISO 4217 code of three capital letters (for example EUR), got %q", currency)
	}
	return nil
}
