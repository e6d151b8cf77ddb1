package main

import (
	"context"
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"

	"parkmate/push"
)

// TestPushFlags: every push setting is a flag and a PARKMATE_ variable with
// its default, and a bad key pair, subject or host list stops the start.
func TestPushFlags(t *testing.T) {
	fs := flag.NewFlagSet("parkmate", flag.ContinueOnError)
	cfg := bindFlags(fs)
	if err := parseWithEnv(fs, nil); err != nil {
		t.Fatal(err)
	}
	p := cfg.Push
	if p.Grace != 10*time.Second || p.GiveUp != time.Hour || p.TTL != 12*time.Hour || p.MaxSubscriptions != 10 ||
		p.MaxDisplayedIDs != 100 || p.TestRate != 6 || p.HostList != strings.Join(push.DefaultHosts, ",") || p.Keys.Public != "" {
		t.Fatalf("defaults %+v", p)
	}
	keys, _ := push.NewKeys()
	t.Setenv("PARKMATE_PUSH_GRACE", "3s")
	t.Setenv("PARKMATE_VAPID_PUBLIC_KEY", keys.Public)
	t.Setenv("PARKMATE_VAPID_PRIVATE_KEY", keys.Private)
	fs = flag.NewFlagSet("parkmate", flag.ContinueOnError)
	cfg = bindFlags(fs)
	if err := parseWithEnv(fs, []string{"--max-push-subscriptions", "4", "--push-hosts", "a.example,*.b.example"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Push.Grace != 3*time.Second || cfg.Push.MaxSubscriptions != 4 || cfg.Push.Keys.Private != keys.Private || cfg.Push.HostList != "a.example,*.b.example" {
		t.Fatalf("from the environment and flags %+v", cfg.Push)
	}

	other, _ := push.NewKeys()
	for name, mod := range map[string]func(*Config){
		"mismatched key pair": func(c *Config) { c.Push.Keys.Public, c.Push.Keys.Private = keys.Public, other.Private },
		"public key alone":    func(c *Config) { c.Push.Keys.Public = keys.Public },
		"subject":             func(c *Config) { c.Push.Subject = "ops@example.com" },
		"host list":           func(c *Config) { c.Push.HostList = "https://fcm.googleapis.com/" },
	} {
		c := testConfig(t)
		mod(&c)
		if app, err := NewApp(context.Background(), c, Options{Log: discardLog()}); err == nil {
			app.db.Close()
			t.Errorf("%s: the node started", name)
		}
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
