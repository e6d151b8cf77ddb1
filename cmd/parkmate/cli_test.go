package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate/internal/testservices"
)

// lockedBuffer is an io.Writer a test may read while run writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits until the buffer holds text matching re, and returns it.
func (l *lockedBuffer) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(l.String()); m != nil {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s within 10s in %q", re, l.String())
	return nil
}

// runCLI runs the command with args and stdin, and returns what it wrote.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// TestHelpExitsZeroAndListsTheCommands checks what a newcomer's first
// "--help" shows: the commands, and for "user add" only its own flags.
func TestHelpExitsZeroAndListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out, errOut, err := runCLI(t, "", args...)
		if err != nil || errOut != "" {
			t.Fatalf("parkmate %s: %v, stderr %q", args[0], err, errOut)
		}
		for _, want := range []string{"parkmate user add", "--demo", "-addr", "PARKMATE_EXPIRY_WARNING"} {
			if !strings.Contains(out, want) {
				t.Fatalf("parkmate %s does not mention %q:\n%s", args[0], want, out)
			}
		}
	}
	for _, args := range [][]string{{"user", "--help"}, {"user", "-h"}, {"user", "help"}} {
		out, _, err := runCLI(t, "", args...)
		if err != nil || !strings.Contains(out, "parkmate user add --username") {
			t.Fatalf("parkmate %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	out, _, err := runCLI(t, "", "user", "add", "--help")
	if err != nil {
		t.Fatalf("user add --help: %v", err)
	}
	for _, want := range []string{"-username", "-role", "-password", "-db", "-create", "-password-cost"} {
		if !strings.Contains(out, want+" ") && !strings.Contains(out, want+"\n") {
			t.Fatalf("user add --help lacks %s:\n%s", want, out)
		}
	}
	for _, server := range []string{"-addr", "-jwt-secret", "-ws-ping", "-broker", "-demo"} {
		if strings.Contains(out, server+" ") || strings.Contains(out, server+"\n") {
			t.Fatalf("user add --help shows the server's flag %s:\n%s", server, out)
		}
	}
	// Mistakes say where to look.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, `unknown command "serve": "parkmate --help" lists the commands`},
		{[]string{"--nope"}, `flag provided but not defined: -nope ("parkmate --help" lists the flags)`},
		{[]string{"user"}, `"parkmate user" needs a command`},
		{[]string{"user", "remove"}, `unknown command "user remove"`},
		{[]string{"user", "add", "--addr", ":1"}, `flag provided but not defined: -addr ("parkmate user add --help" lists the flags)`},
		{[]string{"user", "add", "--create"}, "--username is required"},
	} {
		if _, _, err := runCLI(t, "", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parkmate %s: %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestUserAddRefusesAMissingSQLiteFileUnlessCreate checks that a mistyped
// --db makes nothing, that --create makes the database (and no JWT secret:
// user add signs nothing), that the password comes from stdin when it is
// not a terminal, and that errors read as sentences.
func TestUserAddRefusesAMissingSQLiteFileUnlessCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "typo.db")
	_, _, err := runCLI(t, "erin-password\n", "user", "add", "--db", db, "--username", "erin", "--role", "employee", "--password-cost", "4")
	if err == nil || !strings.Contains(err.Error(), "there is no database at "+db) || !strings.Contains(err.Error(), "--create") {
		t.Fatalf("a missing database: %v", err)
	}
	if exists(t, db) || exists(t, db+".jwt-secret") {
		t.Fatal("a refused user add left a database or a secret behind")
	}

	out, _, err := runCLI(t, "erin-password\n", "user", "add", "--db", db, "--create", "--username", "erin", "--role", "employee", "--password-cost", "4")
	if err != nil || !regexp.MustCompile(`^created employee "erin" with id \d+\n$`).MatchString(out) {
		t.Fatalf("user add --create: %v %q", err, out)
	}
	if exists(t, db+".jwt-secret") {
		t.Fatal("user add wrote a JWT secret; it signs nothing")
	}
	// The database exists now: no --create needed, and a taken name is
	// refused with a sentence, not "parkmate error: kind=conflict ...".
	_, _, err = runCLI(t, "other-password\n", "user", "add", "--db", db, "--username", "erin", "--password-cost", "4")
	if err == nil || err.Error() != `The username "erin" is taken.` {
		t.Fatalf("a taken username: %v", err)
	}
	_, _, err = runCLI(t, "short\n", "user", "add", "--db", db, "--username", "frank", "--password-cost", "4")
	if err == nil || err.Error() != "password must be at least 8 bytes." {
		t.Fatalf("a short password: %v", err)
	}

	// The password read from stdin is the account's.
	cfg := testConfig(t)
	cfg.DB = db
	s := startServer(t, cfg, nil)
	s.login("erin", "erin-password")
}

// TestUserAddOnPostgresNeedsNoJWTSecret: creating an account signs no
// token, so it works against a shared database without --jwt-secret.
func TestUserAddOnPostgresNeedsNoJWTSecret(t *testing.T) {
	db := testservices.Postgres(t)
	t.Setenv("PARKMATE_JWT_SECRET", "") // not even from the environment
	os.Unsetenv("PARKMATE_JWT_SECRET")
	out, _, err := runCLI(t, "", "user", "add", "--db", db, "--username", "ada", "--role", "admin", "--password", "ada-password", "--password-cost", "4")
	if err != nil || !strings.Contains(out, `created admin "ada"`) {
		t.Fatalf("user add on PostgreSQL: %v %q", err, out)
	}
}

// TestDemoChecksThePortBeforeItWritesAnything: with the port taken,
// --demo fails at once and leaves no database, secret or demo accounts.
func TestDemoChecksThePortBeforeItWritesAnything(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(t.TempDir(), "demo.db")
	out, _, err := runCLI(t, "", "--demo", "--addr", busy.Addr().String(), "--db", db, "--password-cost", "4")
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+busy.Addr().String()) || !strings.Contains(err.Error(), "--addr") {
		t.Fatalf("a taken port: %v", err)
	}
	if out != "" || exists(t, db) || exists(t, db+".jwt-secret") {
		t.Fatalf("a refused start wrote something: stdout %q, database %v, secret %v", out, exists(t, db), exists(t, db+".jwt-secret"))
	}
}

// TestServerPrintsTheURLToOpen starts the command as a person would, with
// --demo, and follows the URL it prints.
func TestServerPrintsTheURLToOpen(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--demo", "--addr", "127.0.0.1:0", "--db", db, "--password-cost", "4"}, strings.NewReader(""), &out, &errOut)
	}()
	m := out.waitFor(t, regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/)\n`))
	if !strings.Contains(out.String(), "driver / driver-pass") {
		t.Fatalf("no demo accounts before the URL: %q", out.String())
	}
	errOut.waitFor(t, regexp.MustCompile(`parkmate listening" url=`+regexp.QuoteMeta(m[1])))
	resp, err := http.Get(m[1] + "livez")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %slivez: %d", m[1], resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

func TestOpenURL(t *testing.T) {
	for addr, want := range map[string]string{
		"[::]:8000":      "http://localhost:8000/",
		"0.0.0.0:8000":   "http://localhost:8000/",
		"127.0.0.1:8001": "http://127.0.0.1:8001/",
		"[::1]:8002":     "http://[::1]:8002/",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := openURL(a); got != want {
			t.Errorf("openURL(%s) = %s, want %s", addr, got, want)
		}
	}
}
