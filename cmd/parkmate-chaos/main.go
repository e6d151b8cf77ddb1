// Command parkmate-chaos runs the four cluster fault scenarios of issue 7
// at scale and prints, for each, how many deliveries the live sockets
// lost, got twice or out of order (by id, against what PostgreSQL
// committed), the time to full delivery after the fault, and the same
// for a sample of clients resuming with since.
//
// It starts three parkmate nodes (the binary given by --bin) per scenario
// on one fresh PostgreSQL database, created on the server of --postgres
// and dropped at the end, each node reaching Redis through a TCP proxy of
// its own; the redis scenario starts a private redis-server instead of
// using --redis. Every user has one socket on each node.
//
// Usage:
//
//	go build -o /tmp/parkmate ./cmd/parkmate
//	go run ./cmd/parkmate-chaos --bin /tmp/parkmate \
//	    --postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	    --redis redis://127.0.0.1:6379/0 [--conns 3000] [--scenarios cut,kill,redis,logout] [--json]
//
// The scenarios are described in package parkmate/chaos. The table goes
// to stdout (or, with --json, a JSON array of results), progress to
// stderr. The exit status is 0 when every scenario passed, 1 when one
// found a problem (its node logs are kept and named), 2 on bad usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"parkmate/bench"
	"parkmate/chaos"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg := chaos.Config{Log: stderr}
	fs := flag.NewFlagSet("parkmate-chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Bin, "bin", os.Getenv("PARKMATE_BIN"), "the parkmate server binary (default $PARKMATE_BIN)")
	fs.StringVar(&cfg.Postgres, "postgres", "", "PostgreSQL URL of any database; a fresh one is created beside it and dropped at the end")
	fs.StringVar(&cfg.Redis, "redis", "redis://127.0.0.1:6379/0", "Redis URL (every scenario but redis)")
	fs.StringVar(&cfg.RedisServer, "redis-server", "redis-server", "the redis-server program, for the redis scenario")
	fs.IntVar(&cfg.Conns, "conns", chaos.DefaultConns, "WebSocket clients in all, one per user on each of the 3 nodes")
	fs.IntVar(&cfg.Publishers, "publishers", chaos.DefaultPublishers, "concurrent publishing clients")
	fs.Float64Var(&cfg.Rate, "rate", chaos.DefaultRate, "publish calls per second, all publishers together (0: as fast as they can)")
	fs.IntVar(&cfg.Batch, "batch", chaos.DefaultBatch, "users per publish call, drawn at random")
	fs.IntVar(&cfg.Sample, "sample", chaos.DefaultSample, "clients resuming with since, and sessions logging out, per scenario")
	fs.DurationVar(&cfg.Warmup, "warmup", chaos.DefaultWarmup, "publishing before the fault")
	fs.DurationVar(&cfg.Window, "window", chaos.DefaultWindow, "publishing after the fault (redis: how long Redis stays down)")
	scenarios := fs.String("scenarios", strings.Join(chaos.Scenarios, ","), "comma-separated scenarios to run, in order")
	fs.StringVar(&cfg.LogDir, "log-dir", "", "where the nodes log (default: a temporary directory, removed if all passed)")
	jsonOut := fs.Bool("json", false, "print the results as JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	var err error
	if cfg.Scenarios, err = chaos.ParseScenarios(*scenarios); err != nil || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "parkmate-chaos: %v %v\n", err, fs.Args())
		return 2
	}
	if limit, err := bench.RaiseFileLimit(); err != nil {
		fmt.Fprintf(stderr, "parkmate-chaos: raise the file limit: %v\n", err)
	} else if limit < uint64(cfg.Conns)+1024 {
		fmt.Fprintf(stderr, "parkmate-chaos: warning: the file limit is %d, too low for %d sockets\n", limit, cfg.Conns)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, err := chaos.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "parkmate-chaos: %v\n", err)
		return 2
	}
	return report(results, *jsonOut, stdout)
}

// report prints the results and returns the exit status.
func report(results []*chaos.Result, jsonOut bool, stdout io.Writer) int {
	if jsonOut {
		if err := chaos.WriteJSON(stdout, results); err != nil {
			return 1
		}
	} else {
		chaos.WriteTable(stdout, results)
	}
	for _, r := range results {
		if !r.Pass {
			return 1
		}
	}
	return 0
}
