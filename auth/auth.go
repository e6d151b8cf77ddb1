// Package auth owns accounts and sessions: password hashing (bcrypt),
// access tokens (JWT, HS256) and their sessions, which logout revokes.
package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"parkmate"
)

// SessionNotifier tells every node about accounts: it closes the sockets
// of an ended session, and tells admins' screens that the accounts
// changed.
type SessionNotifier interface {
	SessionEnded(ctx context.Context, userID int64, sessionID string)
	Live(ctx context.Context, l parkmate.Live)
}

// Secret is a signing key that never prints itself.
type Secret []byte

// LogValue implements slog.LogValuer: a secret logs as its length only.
func (s Secret) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("[secret, %d bytes]", len(s)))
}

// String hides the secret from fmt.
func (s Secret) String() string { return "[secret]" }

// Config holds the account settings. Zero fields take the defaults.
type Config struct {
	// Secret signs access tokens; at least 32 bytes.
	Secret Secret
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
	// PasswordCost is bcrypt's cost (4 to 31).
	PasswordCost int
}

// Defaults for Config.
const (
	DefaultSessionTTL   = 12 * time.Hour
	DefaultPasswordCost = bcrypt.DefaultCost
)

// Service signs users up, in and out. It is safe for concurrent use.
type Service struct {
	db       Store
	cfg      Config
	clock    parkmate.Clock
	notifier SessionNotifier
	dummy    []byte
	cache    sessionCache
	checks   atomic.Int64 // passwords compared by Login
}

// New returns a Service; it fails on a short secret or a bad cost.
func New(db Store, clock parkmate.Clock, notifier SessionNotifier, cfg Config) (*Service, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("auth: the JWT secret must be at least 32 bytes")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = DefaultPasswordCost
	}
	if cfg.PasswordCost < bcrypt.MinCost || cfg.PasswordCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: password cost must be %d to %d", bcrypt.MinCost, bcrypt.MaxCost)
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not a password of anyone"), cfg.PasswordCost)
	if err != nil {
		return nil, err
	}
	return &Service{db: db, cfg: cfg, clock: clock, notifier: notifier, dummy: dummy}, nil
}

// Password lengths, in bytes of UTF-8. bcrypt reads at most 72 bytes, so
// a longer password is refused rather than silently cut.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
)

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,32}$`)

// ValidateCredentials checks a new username and password.
func ValidateCredentials(username, password string) error {
	if !usernameRE.MatchString(username) {
		return parkmate.Errorf(parkmate.EUNPROCESSABLE, "username must be 3 to 32 letters, digits, '_', '.' or '-'.")
	}
	switch {
	case len(password) < MinPasswordLen:
		return parkmate.Errorf(parkmate.EUNPROCESSABLE, "password must be at least %d bytes.", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return parkmate.Errorf(parkmate.EUNPROCESSABLE,
			"password must be at most %d bytes (this one has %d): bcrypt would ignore the rest. Letters outside ASCII take 2 to 4 bytes each.",
			MaxPasswordLen, len(password))
	}
	return nil
}

// CreateUser creates an account of any role (the CLI and admins use it).
func (s *Service) CreateUser(ctx context.Context, username, password string, role parkmate.Role) (parkmate.User, error) {
	if !role.Valid() {
		return parkmate.User{}, parkmate.Errorf(parkmate.EUNPROCESSABLE, "role must be driver, owner, employee or admin.")
	}
	if err := ValidateCredentials(username, password); err != nil {
		return parkmate.User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cfg.PasswordCost)
	if err != nil {
		return parkmate.User{}, err
	}
	var u parkmate.User
	err = s.db.Update(ctx, func(tx Tx) (err error) {
		u, err = tx.CreateUser(parkmate.User{Username: username, Role: role, PasswordHash: string(hash)})
		return err
	})
	if err == nil {
		s.userChanged(ctx, u.ID, string(u.Role))
	}
	return u, err
}

// userChanged tells admins' screens, after the commit, that an account was
// made, changed role (status: the role) or deleted (status: DELETED).
func (s *Service) userChanged(ctx context.Context, id int64, status string) {
	if s.notifier == nil { // the command line's user add tells no socket
		return
	}
	s.notifier.Live(ctx, parkmate.Live{Changes: []parkmate.Change{{Resource: parkmate.ResourceUser, ID: id, Status: status, Admins: true}}})
}

// Register creates a driver account.
func (s *Service) Register(ctx context.Context, username, password string) (parkmate.User, error) {
	return s.CreateUser(ctx, username, password, parkmate.RoleDriver)
}

// Login checks a password and opens a session; the token carries its id.
func (s *Service) Login(ctx context.Context, username, password string) (token string, sess parkmate.Session, u parkmate.User, err error) {
	if len(password) > MaxPasswordLen {
		// bcrypt would compare the first 72 bytes only, and sign in with
		// any text that starts with a stored password.
		return "", sess, u, errInvalidCredentials
	}
	var found bool
	if err = s.db.View(ctx, func(tx Tx) (err error) {
		u, found, err = tx.UserByUsername(username)
		return err
	}); err != nil {
		return "", sess, u, err
	}
	hash := s.dummy
	if found {
		hash = []byte(u.PasswordHash)
	}
	// Compare even for an unknown user, so timing does not tell.
	s.checks.Add(1)
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !found {
		return "", sess, u, errInvalidCredentials
	}
	now := s.clock.Now()
	sess = parkmate.Session{ID: newID(), UserID: u.ID, ExpiresAt: now.Add(s.cfg.SessionTTL).Truncate(time.Second)}
	if err = s.db.Update(ctx, func(tx Tx) error { return tx.CreateSession(sess) }); err != nil {
		return "", sess, u, err
	}
	s.cache.put(sess.ID, cachedSession{user: u, session: sess}, now)
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   strconv.FormatInt(u.ID, 10),
		ID:        sess.ID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(sess.ExpiresAt),
	}).SignedString([]byte(s.cfg.Secret))
	return token, sess, u, err
}

var errInvalidCredentials = parkmate.CodedErrorf(parkmate.EUNAUTHENTICATED, "invalid_credentials", "Wrong username or password.")

func unauthenticated(msg string) error {
	return parkmate.Errorf(parkmate.EUNAUTHENTICATED, "%s", msg)
}

// Authenticate checks an access token and its session.
func (s *Service) Authenticate(ctx context.Context, token string) (parkmate.User, parkmate.Session, error) {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return []byte(s.cfg.Secret), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.clock.Now))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return parkmate.User{}, parkmate.Session{}, unauthenticated("The session has expired; sign in again.")
		}
		return parkmate.User{}, parkmate.Session{}, unauthenticated("The access token is not valid.")
	}
	uid, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || claims.ID == "" {
		return parkmate.User{}, parkmate.Session{}, unauthenticated("The access token is not valid.")
	}
	if e, hit := s.cache.get(claims.ID, s.clock.Now()); hit && e.user.ID == uid {
		return e.user, e.session, nil
	}
	var u parkmate.User
	var sess parkmate.Session
	var ok bool
	err = s.db.Read(ctx, func(tx Tx) (err error) {
		sess, u, ok, err = tx.SessionAndUser(claims.ID)
		return err
	})
	switch {
	case ok && sess.UserID != uid:
		return parkmate.User{}, parkmate.Session{}, unauthenticated("The access token is not valid.")
	case parkmate.ErrorKind(err) == parkmate.ENOTFOUND:
		return u, sess, unauthenticated("The account no longer exists.")
	case err != nil:
		return u, sess, err
	case !ok || sess.UserID != uid:
		return u, sess, unauthenticated("The access token is not valid.")
	case sess.RevokedAt != nil:
		return u, sess, unauthenticated("The session has ended; sign in again.")
	case !sess.ExpiresAt.After(s.clock.Now()):
		return u, sess, unauthenticated("The session has expired; sign in again.")
	}
	s.cache.put(sess.ID, cachedSession{user: u, session: sess}, s.clock.Now())
	return u, sess, nil
}

// PasswordChecks is how many passwords Login has compared with bcrypt
// since the Service started (a metric: sign-in limits bound it).
func (s *Service) PasswordChecks() int64 { return s.checks.Load() }

// ForgetSession drops a session from the cache; every node calls it when a
// session ends anywhere (the broker's session-ended message).
func (s *Service) ForgetSession(id string) { s.cache.forget(id) }

// ForgetAllSessions empties the cache, after the broker may have missed a
// session-ended message.
func (s *Service) ForgetAllSessions() { s.cache.clear() }

// Logout ends a session and closes its sockets on every node.
func (s *Service) Logout(ctx context.Context, sess parkmate.Session) error {
	if err := s.db.Update(ctx, func(tx Tx) error { return tx.RevokeSession(sess.ID) }); err != nil {
		return err
	}
	s.cache.forget(sess.ID)
	s.notifier.SessionEnded(ctx, sess.UserID, sess.ID)
	return nil
}

// PurgeSessions deletes sessions that ended more than a day ago; the
// node calls it hourly so the table does not grow without bound.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Update(ctx, func(tx Tx) (err error) {
		n, err = tx.DeleteExpiredSessions(s.clock.Now().Add(-24 * time.Hour))
		return err
	})
	return n, err
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
