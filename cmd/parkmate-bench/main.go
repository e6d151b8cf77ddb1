// Command parkmate-bench is the load tool of ParkMate Notify: it creates
// users, holds authenticated WebSocket connections to a running server,
// drives a scenario and prints one JSON line of results on stdout and a
// readable summary on stderr. See README.md beside this file.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"parkmate/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg bench.Config
	fs := flag.NewFlagSet("parkmate-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.URL, "url", bench.DefaultURL, "server base URL")
	fs.StringVar(&cfg.Scenario, "scenario", bench.ScenarioIdle, "scenario: "+strings.Join(bench.Scenarios, "|"))
	fs.IntVar(&cfg.Conns, "conns", bench.DefaultConns, "WebSocket connections, one user each")
	fs.DurationVar(&cfg.Duration, "duration", bench.DefaultDuration, "how long to hold (idle) or to send (publish, broadcast, events)")
	fs.Float64Var(&cfg.Rate, "rate", -1, "publish: notifications/s; broadcast: broadcasts/s; events: verify calls/s; 0 = as fast as possible (default: 0, events 100)")
	fs.IntVar(&cfg.Batch, "batch", bench.DefaultBatch, "user_ids per publish call")
	fs.Int64Var(&cfg.Count, "count", 0, "publish, broadcast: stop after this many REST calls (0: --duration alone bounds the run)")
	fs.IntVar(&cfg.Publishers, "publishers", bench.DefaultPublishers, "concurrent publishing (or verifying) goroutines")
	fs.StringVar(&cfg.PublishKey, "publish-key", os.Getenv("PARKMATE_PUBLISH_KEY"), "X-API-Key for POST /api/publish/ (default $PARKMATE_PUBLISH_KEY)")
	fs.StringVar(&cfg.Admin, "admin", os.Getenv("PARKMATE_BENCH_ADMIN"), "admin account user:pass, for the events scenario (default $PARKMATE_BENCH_ADMIN)")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "read server RSS/CPU from /proc/<pid> instead of GET /metrics")
	fs.IntVar(&cfg.SourceIPs, "source-ips", bench.DefaultSourceIPs, "spread connections over source addresses 127.0.0.1..127.0.0.N (loopback servers only)")
	fs.StringVar(&cfg.UserPrefix, "user-prefix", "", "prefix of the bench usernames (default derived from the time)")
	fs.IntVar(&cfg.SetupConcurrency, "setup-concurrency", bench.DefaultSetupConcurrency, "concurrent user creations and logins")
	fs.IntVar(&cfg.DialConcurrency, "dial-concurrency", bench.DefaultDialConcurrency, "concurrent WebSocket handshakes while connecting")
	fs.IntVar(&cfg.DownMsgs, "down-msgs", bench.DefaultDownMsgs, "reconnect: notifications per user published while the clients are down")
	fs.DurationVar(&cfg.Drain, "drain", bench.DefaultDrain, "give up waiting for outstanding frames after this long without progress")
	jsonOnly := fs.Bool("json-only", false, "print only the JSON line (no progress, no summary)")
	cpuProfile := fs.String("cpu-profile", "", "write the load tool's own CPU profile (go tool pprof) to this file")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return bench.ExitOK
		}
		return bench.ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "parkmate-bench: unexpected arguments: %v\n", fs.Args())
		return bench.ExitUsage
	}
	if !*jsonOnly {
		cfg.Log = stderr
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "parkmate-bench: --cpu-profile: %v\n", err)
			return bench.ExitUsage
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, cfg)
	if werr := res.WriteJSON(stdout); werr != nil {
		fmt.Fprintf(stderr, "parkmate-bench: %v\n", werr)
		return bench.ExitError
	}
	if !*jsonOnly {
		res.WriteSummary(stderr)
	} else if err != nil {
		fmt.Fprintf(stderr, "parkmate-bench: %v\n", err)
	}
	return res.ExitCode()
}
