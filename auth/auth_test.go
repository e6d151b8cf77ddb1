package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/auth"
)

var ctx = context.Background()

const secret = "test-secret-0123456789-0123456789-0123456789"

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// ended records the sessions the service says ended.
type ended struct {
	mu    sync.Mutex
	calls []string
	live  []string // account changes told to admins' screens
}

func (e *ended) Live(_ context.Context, l parkmate.Live) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range l.Changes {
		e.live = append(e.live, fmt.Sprintf("%s %d %s admins=%t", c.Resource, c.ID, c.Status, c.Admins))
	}
}

// takeLive returns the account changes told since the last call.
func (e *ended) takeLive() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.live
	e.live = nil
	return out
}

func (e *ended) SessionEnded(_ context.Context, userID int64, sessionID string) {
	e.record(userID, sessionID)
}

func (e *ended) record(userID int64, sessionID string) {
	e.mu.Lock()
	e.calls = append(e.calls, fmt.Sprintf("%d/%s", userID, sessionID))
	e.mu.Unlock()
}

func (e *ended) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}

type fixture struct {
	t     *testing.T
	clock *clock
	store *memStore
	ended *ended
	svc   *auth.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &clock{now: time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)}, ended: &ended{}}
	f.store = newMemStore(f.clock)
	svc, err := auth.New(f.store, f.clock, f.ended, auth.Config{Secret: auth.Secret(secret), SessionTTL: time.Hour, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// errorOf describes an error as "kind" or "kind/code" ("" for none).
func errorOf(err error) string {
	var pe *parkmate.Error
	switch {
	case err == nil:
		return ""
	case !errors.As(err, &pe):
		return "untyped: " + err.Error()
	case pe.ErrorCode() != pe.Kind:
		return pe.Kind + "/" + pe.ErrorCode()
	}
	return pe.Kind
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  auth.Config
		ok   bool
	}{
		{"the default session length", auth.Config{Secret: auth.Secret(secret), PasswordCost: 4}, true},
		{"a short secret", auth.Config{Secret: auth.Secret(secret[:31]), PasswordCost: 4}, false},
		{"a cost too low", auth.Config{Secret: auth.Secret(secret), PasswordCost: 3}, false},
		{"a cost too high", auth.Config{Secret: auth.Secret(secret), PasswordCost: 32}, false},
	} {
		if _, err := auth.New(newMemStore(&clock{}), &clock{}, &ended{}, tc.cfg); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	s := auth.Secret(secret)
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "secret", s)
	if out := fmt.Sprintf("%v %s", s, b.String()); strings.Contains(out, "test-secret") ||
		!strings.Contains(out, "[secret]") || !strings.Contains(out, "[secret, 44 bytes]") {
		t.Fatalf("printed %q", out)
	}
}

// TestAccounts checks what a new account may be called and hold.
func TestAccounts(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.CreateUser(ctx, "Dana", "long-enough", parkmate.RoleDriver); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		username, password string
		role               parkmate.Role
		err                string
	}{
		{"oscar", "long-enough", parkmate.RoleOwner, ""},
		{"e.r-i_n", strings.Repeat("p", 72), parkmate.RoleEmployee, ""},
		{"dana", "long-enough", parkmate.RoleDriver, parkmate.ECONFLICT + "/username_taken"},
		{"king", "long-enough", "king", parkmate.EUNPROCESSABLE},
		{"", "long-enough", parkmate.RoleAdmin, parkmate.EUNPROCESSABLE},
		{"ab", "long-enough", parkmate.RoleAdmin, parkmate.EUNPROCESSABLE},
		{strings.Repeat("a", 33), "long-enough", parkmate.RoleAdmin, parkmate.EUNPROCESSABLE},
		{"ada lovelace", "long-enough", parkmate.RoleAdmin, parkmate.EUNPROCESSABLE},
		{"ada", "short", parkmate.RoleAdmin, parkmate.EUNPROCESSABLE},
		{"ada", strings.Repeat("p", 73), parkmate.RoleAdmin, parkmate.EUNPROCESSABLE},
	} {
		u, err := f.svc.CreateUser(ctx, tc.username, tc.password, tc.role)
		if got := errorOf(err); got != tc.err {
			t.Errorf("%q/%q as %s: %q (%v), want %q", tc.username, tc.password, tc.role, got, err, tc.err)
		}
		if err == nil && (u.ID == 0 || u.Role != tc.role || u.PasswordHash == tc.password) {
			t.Errorf("created %+v", u)
		}
	}
	if u, err := f.svc.Register(ctx, "pat", "long-enough"); err != nil || u.Role != parkmate.RoleDriver {
		t.Fatalf("register: %+v %v", u, err)
	}
}

// TestLogin checks sign-in: a wrong password and an unknown name fail the
// same way.
func TestLogin(t *testing.T) {
	f := newFixture(t)
	dana, _ := f.svc.Register(ctx, "dana", "long-enough")
	for _, tc := range []struct {
		username, password, err string
	}{
		{"dana", "long-enough", ""},
		{"DANA", "long-enough", ""},
		{"dana", "wrong-password", parkmate.EUNAUTHENTICATED + "/invalid_credentials"},
		{"nobody", "long-enough", parkmate.EUNAUTHENTICATED + "/invalid_credentials"},
	} {
		tok, sess, u, err := f.svc.Login(ctx, tc.username, tc.password)
		if got := errorOf(err); got != tc.err {
			t.Fatalf("%s/%s: %q (%v), want %q", tc.username, tc.password, got, err, tc.err)
		}
		if err == nil && (tok == "" || u.ID != dana.ID || sess.UserID != dana.ID || !sess.ExpiresAt.Equal(f.clock.Now().Add(time.Hour))) {
			t.Fatalf("signed in %+v %+v", u, sess)
		}
	}
	f.store.setFail(errors.New("disk on fire"))
	if _, _, _, err := f.svc.Login(ctx, "dana", "long-enough"); err == nil {
		t.Fatal("signed in without a database")
	}
}

// TestLogoutAndPurge: a logout ends the session everywhere; a day after
// a session's end it is deleted.
func TestLogoutAndPurge(t *testing.T) {
	f := newFixture(t)
	dana, _ := f.svc.Register(ctx, "dana", "long-enough")
	tok, sess, _, _ := f.svc.Login(ctx, "dana", "long-enough")
	if err := f.svc.Logout(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if got, want := f.ended.all(), []string{fmt.Sprintf("%d/%s", dana.ID, sess.ID)}; len(got) != 1 || got[0] != want[0] {
		t.Fatalf("ended %v, want %v", got, want)
	}
	if _, _, err := f.svc.Authenticate(ctx, tok); err == nil || !strings.Contains(err.Error(), "has ended") {
		t.Fatalf("after logout: %v", err)
	}
	f.svc.Login(ctx, "dana", "long-enough")
	for _, tc := range []struct {
		advance time.Duration
		purged  int64
	}{{0, 0}, {24 * time.Hour, 0}, {2 * time.Hour, 2}, {0, 0}} {
		f.clock.advance(tc.advance)
		if n, err := f.svc.PurgeSessions(ctx); err != nil || n != tc.purged {
			t.Fatalf("purge after %s: %d %v, want %d", tc.advance, n, err, tc.purged)
		}
	}
	f.store.setFail(errors.New("disk on fire"))
	if err := f.svc.Logout(ctx, sess); err == nil {
		t.Fatal("logged out without a database")
	}
}
