// Command parkmate serves ParkMate Notify: the REST API, the notification
// WebSocket and the web app, from one binary.
//
//	parkmate [flags]                 serve (every flag is also PARKMATE_<FLAG>)
//	parkmate user add --username U --role R [--password P | prompt | stdin]
//	parkmate --help
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"parkmate"
	"parkmate/auth"
	"parkmate/relay"
	"parkmate/sqlstore"
	"parkmate/web"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parkmate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "user":
		return userCommand(ctx, args[1:], stdin, stdout, stderr)
	case len(args) > 0 && args[0] == "help":
		args = []string{"--help"}
	}
	if err := checkCommand(args); err != nil {
		return err
	}
	fs := flag.NewFlagSet("parkmate", flag.ContinueOnError)
	cfg := bindFlags(fs)
	fs.BoolVar(&cfg.Demo, "demo", false, "create a demo lot and one account per role, and print their passwords")
	if helped, err := parseCommand(fs, args, stdout, serverUsage); helped || err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	app, err := NewApp(ctx, *cfg, Options{Log: log, Web: web.Dist(), Listener: ln})
	if err != nil {
		ln.Close()
		return err
	}
	if cfg.Demo {
		if err := createDemo(ctx, app, stdout); err != nil {
			return err
		}
	}
	if err := app.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ParkMate Notify is running: open %s\n", openURL(app.listener.Addr()))
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return app.Shutdown(sctx)
}

// bindFlags defines the server's flags with their defaults.
func bindFlags(fs *flag.FlagSet) *Config {
	c := &Config{}
	fs.StringVar(&c.Addr, "addr", ":8000", "address to listen on")
	fs.StringVar(&c.DB, "db", "parkmate.db", "SQLite file path, or a postgres:// URL")
	fs.StringVar(&c.Broker, "broker", "memory", "fan-out broker: memory, or a redis:// URL for several nodes")
	fs.StringVar(&c.BrokerChannel, "broker-channel", "parkmate:fanout", "Redis pub/sub channel (deployments sharing a Redis use different ones)")
	fs.StringVar(&c.JWTSecret, "jwt-secret", "", "secret that signs access tokens (generated and kept beside a SQLite database when empty)")
	fs.StringVar(&c.AllowedOrigins, "allowed-origins", "", "comma-separated browser origins (scheme://host[:port]) allowed besides the server's own; \"*\" is refused")
	fs.DurationVar(&c.ExpiryWarning, "expiry-warning", 5*time.Minute, "how long before its end a booking warns (event 1)")
	fs.DurationVar(&c.MaxBooking, "max-booking", 24*time.Hour, "longest booking, renewals included")
	fs.Float64Var(&c.PricePerHour, "price-per-hour", 2.5, "price of one hour of parking, in the currency")
	fs.StringVar(&c.Currency, "currency", "EUR", "ISO 4217 code of prices and payments")
	fs.IntVar(&c.MaxWatchedLots, "max-watched-lots", 50, "lots one socket may watch for live slot frames (more: close 1008)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", auth.DefaultSessionTTL, "how long a sign-in lasts")
	fs.StringVar(&c.PublishKey, "publish-key", "", "service key of POST /api/publish/ (off when empty)")
	fs.IntVar(&c.PasswordCost, "password-cost", auth.DefaultPasswordCost, "bcrypt cost of password hashes (4-31)")
	fs.IntVar(&c.AuthRate, "auth-rate", 30, "failed sign-ins and sign-ups allowed per minute per client address (0: no limit)")
	fs.IntVar(&c.SignupRate, "signup-rate", 10, "sign-ups allowed per minute per client address (0: no limit)")
	fs.DurationVar(&c.BodyTimeout, "body-timeout", 30*time.Second, "longest a request body may take to arrive (408 after it)")
	fs.IntVar(&c.MaxSocketsPerUser, "max-sockets-per-user", 20, "sockets one user may have open on this node (429 beyond; 0: no limit)")
	fs.IntVar(&c.MaxConnsPerAddr, "max-conns-per-addr", 512, "connections one client address may have open at once, sockets included (429 beyond; 0: no limit)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark the session cookie Secure (set it behind a TLS proxy)")
	fs.Int64Var(&c.MaxBody, "max-body", 64<<10, "largest request body, bytes")
	fs.Int64Var(&c.WSMaxFrame, "ws-max-frame", 4096, "largest inbound WebSocket frame, bytes (larger: close 1009)")
	fs.IntVar(&c.WSQueue, "ws-queue", 256, "outbound frames a socket may have waiting before it is closed as slow (1013)")
	fs.DurationVar(&c.WSPing, "ws-ping", 30*time.Second, "WebSocket ping interval; silent peers are dropped after two")
	fs.DurationVar(&c.WSWriteTimeout, "ws-write-timeout", 10*time.Second, "longest one socket write may take")
	fs.DurationVar(&c.GapCheck, "gap-check", relay.DefaultCheckInterval, "how often a node checks the database for committed notifications the broker did not bring")
	fs.IntVar(&c.GroupCommit, "group-commit", sqlstore.DefaultGroupCommit, "most write requests that share one database transaction and commit when they arrive together (1: each its own; below 1: the default)")
	fs.DurationVar(&c.SessionCheck, "session-check", auth.DefaultRevocationCheck, "how often a node checks the database for sessions ended on other nodes")
	fs.DurationVar(&c.BrokerGrace, "broker-grace", 3*time.Second, "how long the broker may be unreachable before /readyz answers 503")
	fs.DurationVar(&c.SchedulerInterval, "scheduler-interval", time.Second, "how often expiry warnings and expiries are checked")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long shutdown waits for in-flight requests")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "address for pprof profiles (off when empty; keep it private)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	bindPushFlags(fs, &c.Push)
	return c
}

// parseWithEnv parses args; a flag not given takes PARKMATE_<NAME> from
// the environment (dashes become underscores).
func parseWithEnv(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "PARKMATE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && !given[f.Name] && err == nil {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s: %w", env, serr)
			}
		}
	})
	return err
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// demoAccounts are the accounts --demo creates.
var demoAccounts = []struct {
	name, password string
	role           parkmate.Role
}{
	{"driver", "driver-pass", parkmate.RoleDriver},
	{"owner", "owner-pass", parkmate.RoleOwner},
	{"employee", "employee-pass", parkmate.RoleEmployee},
	{"admin", "admin-pass", parkmate.RoleAdmin},
}

// createDemo creates the demo accounts and lot unless they exist.
func createDemo(ctx context.Context, a *App, out io.Writer) error {
	fmt.Fprintln(out, "Demo accounts (username / password):")
	var owner parkmate.User
	for _, d := range demoAccounts {
		u, err := a.auth.CreateUser(ctx, d.name, d.password, d.role)
		switch {
		case err == nil:
		case parkmate.ErrorKind(err) == parkmate.ECONFLICT:
			fmt.Fprintf(out, "  %-9s %s / (exists already; password unchanged)\n", d.role, d.name)
			continue
		default:
			return err
		}
		fmt.Fprintf(out, "  %-9s %s / %s\n", d.role, d.name, d.password)
		if d.role == parkmate.RoleOwner {
			owner = u
		}
	}
	if owner.ID != 0 {
		lot, err := a.parking.CreateLot(ctx, owner, "Demo Central", 12)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Demo lot %q with %d slots, owned by %s.\n", lot.Name, lot.Slots, owner.Username)
	}
	return nil
}
