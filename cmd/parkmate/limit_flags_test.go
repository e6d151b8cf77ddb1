package main

import (
	"flag"
	"testing"
	"time"
)

// TestLimitFlags: every limit is a flag and a PARKMATE_ variable, with the
// issue's defaults.
func TestLimitFlags(t *testing.T) {
	fs := flag.NewFlagSet("parkmate", flag.ContinueOnError)
	cfg := bindFlags(fs)
	if err := parseWithEnv(fs, nil); err != nil {
		t.Fatal(err)
	}
	if cfg.AuthRate != 30 || cfg.SignupRate != 10 || cfg.BodyTimeout <= 0 || cfg.BodyTimeout > 30*time.Second ||
		cfg.MaxSocketsPerUser != 20 || cfg.MaxConnsPerAddr <= 0 || cfg.SecureCookies || cfg.GroupCommit != 64 {
		t.Fatalf("defaults %+v", cfg)
	}
	for env, v := range map[string]string{"PARKMATE_SIGNUP_RATE": "0", "PARKMATE_BODY_TIMEOUT": "5s",
		"PARKMATE_MAX_SOCKETS_PER_USER": "3", "PARKMATE_MAX_CONNS_PER_ADDR": "7", "PARKMATE_SECURE_COOKIES": "true", "PARKMATE_GROUP_COMMIT": "1"} {
		t.Setenv(env, v)
	}
	fs = flag.NewFlagSet("parkmate", flag.ContinueOnError)
	cfg = bindFlags(fs)
	if err := parseWithEnv(fs, []string{"--max-conns-per-addr", "9"}); err != nil {
		t.Fatal(err)
	}
	if cfg.SignupRate != 0 || cfg.BodyTimeout != 5*time.Second || cfg.MaxSocketsPerUser != 3 || cfg.MaxConnsPerAddr != 9 || !cfg.SecureCookies || cfg.GroupCommit != 1 {
		t.Fatalf("from the environment %+v", cfg)
	}
}
