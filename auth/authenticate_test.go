package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"parkmate"
	"parkmate/auth"
)

// sign makes a token as the server would, with claims of the test's
// choice, signed with key by method.
func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.RegisteredClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The messages that tell a client what to do about a refused token.
const (
	msgNotValid = "The access token is not valid."
	msgExpired  = "The session has expired; sign in again."
	msgEnded    = "The session has ended; sign in again."
	msgGone     = "The account no longer exists."
)

// tokens are the ways a token is refused or accepted: each changes the
// token (or the world) of a freshly signed-in dana, or keeps it as is.
var tokens = []struct {
	name    string
	token   func(f *fixture, tok string, sess parkmate.Session, u parkmate.User) string
	message string // "" when accepted
}{
	{"its own token", nil, ""},
	{"garbage", func(*fixture, string, parkmate.Session, parkmate.User) string { return "not.a.token" }, msgNotValid},
	{"another secret", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		return sign(f.t, jwt.SigningMethodHS256, []byte(secret+"!"), claims(f, s, u))
	}, msgNotValid},
	{"another method", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		return sign(f.t, jwt.SigningMethodHS512, []byte(secret), claims(f, s, u))
	}, msgNotValid},
	{"no signature", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		return sign(f.t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(f, s, u))
	}, msgNotValid},
	{"no expiry", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		c := claims(f, s, u)
		c.ExpiresAt = nil
		return sign(f.t, jwt.SigningMethodHS256, []byte(secret), c)
	}, msgNotValid},
	{"a subject that is not a user id", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		c := claims(f, s, u)
		c.Subject = "dana"
		return sign(f.t, jwt.SigningMethodHS256, []byte(secret), c)
	}, msgNotValid},
	{"no session id", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		c := claims(f, s, u)
		c.ID = ""
		return sign(f.t, jwt.SigningMethodHS256, []byte(secret), c)
	}, msgNotValid},
	{"a session that does not exist", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		c := claims(f, s, u)
		c.ID = "forged"
		return sign(f.t, jwt.SigningMethodHS256, []byte(secret), c)
	}, msgNotValid},
	{"another user's session", func(f *fixture, _ string, s parkmate.Session, u parkmate.User) string {
		other, _ := f.svc.Register(ctx, "pat", "long-enough")
		f.svc.ForgetSession(s.ID)
		c := claims(f, s, u)
		c.Subject = strconv.FormatInt(other.ID, 10)
		return sign(f.t, jwt.SigningMethodHS256, []byte(secret), c)
	}, msgNotValid},
	{"after its time", func(f *fixture, tok string, _ parkmate.Session, _ parkmate.User) string {
		f.clock.advance(time.Hour)
		return tok
	}, msgExpired},
	{"a session that expired before its token", func(f *fixture, tok string, s parkmate.Session, u parkmate.User) string {
		f.store.Update(ctx, func(tx auth.Tx) error {
			s.ExpiresAt = f.clock.Now()
			return tx.CreateSession(s)
		})
		f.svc.ForgetAllSessions()
		return tok
	}, msgExpired},
	{"after a logout", func(f *fixture, tok string, s parkmate.Session, _ parkmate.User) string {
		f.svc.Logout(ctx, s)
		return tok
	}, msgEnded},
	{"ended on another node, within the cache's ten seconds", func(f *fixture, tok string, s parkmate.Session, _ parkmate.User) string {
		f.store.Update(ctx, func(tx auth.Tx) error { return tx.RevokeSession(s.ID) })
		f.clock.advance(9 * time.Second)
		return tok
	}, ""},
	{"ended on another node, after the cache's ten seconds", func(f *fixture, tok string, s parkmate.Session, _ parkmate.User) string {
		f.store.Update(ctx, func(tx auth.Tx) error { return tx.RevokeSession(s.ID) })
		f.clock.advance(10 * time.Second)
		return tok
	}, msgEnded},
	{"of a deleted account", func(f *fixture, tok string, s parkmate.Session, u parkmate.User) string {
		f.store.deleteUser(u.ID)
		f.svc.ForgetSession(s.ID)
		return tok
	}, msgGone},
}

// TestAuthenticate checks every way a token is refused, and the message
// that tells the client what to do.
func TestAuthenticate(t *testing.T) {
	for _, tc := range tokens {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			dana, _ := f.svc.Register(ctx, "dana", "long-enough")
			tok, sess, _, err := f.svc.Login(ctx, "dana", "long-enough")
			if err != nil {
				t.Fatal(err)
			}
			if tc.token != nil {
				tok = tc.token(f, tok, sess, dana)
			}
			u, s, err := f.svc.Authenticate(ctx, tok)
			var pe *parkmate.Error
			switch {
			case tc.message == "" && (err != nil || u.ID != dana.ID || s.ID != sess.ID):
				t.Fatalf("refused: %+v %+v %v", u, s, err)
			case tc.message != "" && (!errors.As(err, &pe) || pe.Kind != parkmate.EUNAUTHENTICATED || pe.Message != tc.message):
				t.Fatalf("error %v, want %q", err, tc.message)
			}
		})
	}
}

func claims(f *fixture, s parkmate.Session, u parkmate.User) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{Subject: strconv.FormatInt(u.ID, 10), ID: s.ID,
		IssuedAt: jwt.NewNumericDate(f.clock.Now()), ExpiresAt: jwt.NewNumericDate(s.ExpiresAt)}
}

// TestSessionCache: a session checked recently is trusted without the
// database until the cache is emptied.
func TestSessionCache(t *testing.T) {
	f := newFixture(t)
	f.svc.Register(ctx, "dana", "long-enough")
	tok, _, _, _ := f.svc.Login(ctx, "dana", "long-enough")
	f.store.setFail(errors.New("disk on fire"))
	if _, _, err := f.svc.Authenticate(ctx, tok); err != nil {
		t.Fatalf("a cached session needed the database: %v", err)
	}
	f.svc.ForgetAllSessions()
	if _, _, err := f.svc.Authenticate(ctx, tok); err == nil || parkmate.ErrorKind(err) != parkmate.EINTERNAL {
		t.Fatalf("without the cache or the database: %v", err)
	}
}

// TestWatchRevocations: a session revoked on another node ends here once,
// within an interval, even though no message said so.
func TestWatchRevocations(t *testing.T) {
	f := newFixture(t)
	dana, _ := f.svc.Register(ctx, "dana", "long-enough")
	tok, sess, _, _ := f.svc.Login(ctx, "dana", "long-enough")
	watchCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	got := &ended{}
	go func() {
		defer close(done)
		f.svc.WatchRevocations(watchCtx, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)), got.record)
	}()
	f.store.Update(ctx, func(tx auth.Tx) error { return tx.RevokeSession(sess.ID) })
	want := strconv.FormatInt(dana.ID, 10) + "/" + sess.ID
	deadline := time.Now().Add(5 * time.Second)
	for len(got.all()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// Three failed checks, then three that work: still ended once.
	f.store.setFail(errors.New("a failed check is retried"))
	f.store.waitTxs(t, 3)
	f.store.setFail(nil)
	f.store.waitTxs(t, 3)
	stop()
	<-done
	if calls := got.all(); len(calls) != 1 || calls[0] != want {
		t.Fatalf("ended %v, want once %s", calls, want)
	}
	if _, _, err := f.svc.Authenticate(ctx, tok); err == nil {
		t.Fatal("the revoked session is still cached")
	}
}
