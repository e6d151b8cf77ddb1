// Package parking holds ParkMate's business rules: who may do what to
// lots, bookings, payments, car washes and assignments, and which
// notifications each change writes in its own transaction. Notifications
// reach sockets only after that transaction commits (the Store publishes
// them).
package parking

import (
	"context"
	"slices"
	"time"

	"parkmate"
)

// Notifier tells sockets about changes that are not notifications.
type Notifier interface {
	// ReadState tells a user's sockets that ids were marked read.
	ReadState(ctx context.Context, userID int64, ids []int64)
	// ReadAll tells a user's sockets that every id up to upTo was read.
	ReadAll(ctx context.Context, userID, upTo int64)
}

// Config holds the business limits. Zero fields take the defaults.
type Config struct {
	// MaxBooking is the longest a booking may last, renewals included.
	MaxBooking time.Duration
	// ExpiryWarning is how long before its end a booking warns (event 1).
	ExpiryWarning time.Duration
	// MaxSlots is the most slots a lot may have.
	MaxSlots int
}

// Defaults for Config.
const (
	DefaultMaxBooking    = 24 * time.Hour
	DefaultExpiryWarning = 5 * time.Minute
	DefaultMaxSlots      = 500
)

// Service applies the business rules. It is safe for concurrent use.
type Service struct {
	db       Store
	clock    parkmate.Clock
	cfg      Config
	notifier Notifier
}

// New returns a Service over db.
func New(db Store, clock parkmate.Clock, notifier Notifier, cfg Config) *Service {
	if cfg.MaxBooking <= 0 {
		cfg.MaxBooking = DefaultMaxBooking
	}
	if cfg.ExpiryWarning <= 0 {
		cfg.ExpiryWarning = DefaultExpiryWarning
	}
	if cfg.MaxSlots <= 0 {
		cfg.MaxSlots = DefaultMaxSlots
	}
	return &Service{db: db, clock: clock, cfg: cfg, notifier: notifier}
}

// Config returns the service's limits.
func (s *Service) Config() Config { return s.cfg }

func forbidden(format string, args ...any) error {
	return parkmate.Errorf(parkmate.EFORBIDDEN, format, args...)
}

func invalid(format string, args ...any) error {
	return parkmate.Errorf(parkmate.EUNPROCESSABLE, format, args...)
}

// knownStatus refuses a list filter's status that no object can have (a
// typo would otherwise list nothing); "" filters nothing.
func knownStatus[S ~string](status S, all []S) error {
	if status == "" || slices.Contains(all, status) {
		return nil
	}
	return parkmate.Errorf(parkmate.EINVALID, "Unknown status %q: use %s.", string(status), parkmate.OneOf(all))
}

func requireRole(actor parkmate.User, roles ...parkmate.Role) error {
	for _, r := range roles {
		if actor.Role == r {
			return nil
		}
	}
	return forbidden("This action is not available to a %s.", actor.Role)
}

// canSeeLot reports whether actor may see what happens on a lot.
func canSeeLot(tx Tx, actor parkmate.User, lotID, ownerID int64) (bool, error) {
	switch actor.Role {
	case parkmate.RoleAdmin:
		return true, nil
	case parkmate.RoleOwner:
		return ownerID == actor.ID, nil
	case parkmate.RoleEmployee:
		return tx.IsEmployeeOf(actor.ID, lotID)
	}
	return false, nil
}

// scope narrows a list to what actor may see.
func scope(actor parkmate.User) parkmate.ListFilter {
	switch actor.Role {
	case parkmate.RoleDriver:
		return parkmate.ListFilter{UserID: actor.ID}
	case parkmate.RoleOwner:
		return parkmate.ListFilter{OwnerID: actor.ID}
	case parkmate.RoleEmployee:
		return parkmate.ListFilter{EmployeeID: actor.ID}
	}
	return parkmate.ListFilter{}
}

// Users lists accounts, optionally of one role; admins only.
func (s *Service) Users(ctx context.Context, actor parkmate.User, role parkmate.Role, p parkmate.Page) ([]parkmate.User, error) {
	if err := requireRole(actor, parkmate.RoleAdmin); err != nil {
		return nil, err
	}
	if role != "" && !role.Valid() {
		return nil, invalid("Unknown role %q.", role)
	}
	var out []parkmate.User
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.Users(role, p)
		return err
	})
	return out, err
}
