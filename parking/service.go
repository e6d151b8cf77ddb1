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
	// Live tells screens what a committed transaction changed.
	Live(ctx context.Context, l parkmate.Live)
}

// Config holds the business limits. Zero fields take the defaults.
type Config struct {
	// MaxBooking is the longest a booking may last, renewals included.
	MaxBooking time.Duration
	// ExpiryWarning is how long before its end a booking warns (event 1).
	ExpiryWarning time.Duration
	// MaxSlots is the most slots a lot may have.
	MaxSlots int
	// PricePerHourCents prices the booked time; 0 makes bookings free.
	PricePerHourCents int64
	// Currency is the ISO 4217 code of prices and payments.
	Currency string
}

// Defaults for Config.
const (
	DefaultMaxBooking    = 24 * time.Hour
	DefaultExpiryWarning = 5 * time.Minute
	DefaultMaxSlots      = 500
	DefaultCurrency      = "EUR"
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
	if cfg.Currency == "" {
		cfg.Currency = DefaultCurrency
	}
	return &Service{db: db, clock: clock, cfg: cfg, notifier: notifier}
}

// Config returns the service's limits.
func (s *Service) Config() Config { return s.cfg }

// update runs fn in one write transaction, as Store.Update does, and
// after it commits tells screens what fn recorded in its Live.
func (s *Service) update(ctx context.Context, fn func(Tx, *parkmate.Live) error) error {
	var live parkmate.Live
	err := s.db.Update(ctx, func(tx Tx) error {
		live = parkmate.Live{} // a retried transaction starts again
		return fn(tx, &live)
	})
	if err == nil && !live.Empty() {
		s.notifier.Live(ctx, live)
	}
	return err
}

// audience returns who sees the objects of a booking on lotID: the
// driver, the lot's owner and the lot's employees (admins see everything).
func audience(tx Tx, driverID, ownerID, lotID int64) ([]int64, error) {
	emps, err := tx.LotEmployees(lotID)
	if err != nil {
		return nil, err
	}
	ids := append([]int64{driverID, ownerID}, emps...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// bookingChanged records a change of b (or of a payment or car wash of
// b, resource and id) for everyone who sees it. Payments are money, the
// owner's business: employees, who list none, are not told of them.
func bookingChanged(tx Tx, live *parkmate.Live, b parkmate.Booking, resource string, id int64, status string) error {
	to := []int64{b.UserID, b.OwnerID}
	if resource != parkmate.ResourcePayment {
		var err error
		if to, err = audience(tx, b.UserID, b.OwnerID, b.LotID); err != nil {
			return err
		}
	}
	live.Changes = append(live.Changes, parkmate.Change{Resource: resource, ID: id, BookingID: b.ID, LotID: b.LotID,
		Status: status, UserIDs: to, Admins: true})
	return nil
}

// slotChanged records that b's slot became taken or free, with the lot's
// new free count, for the sockets watching the lot.
func slotChanged(tx Tx, live *parkmate.Live, b parkmate.Booking, free bool) error {
	l, err := tx.LotByID(b.LotID)
	if err != nil {
		return err
	}
	live.Slots = append(live.Slots, parkmate.SlotChange{LotID: b.LotID, SlotID: b.SlotID, Number: b.SlotNumber,
		Free: free, FreeSlots: l.Free})
	return nil
}

// price is what minutes of parking cost, in cents, rounded up.
func (s *Service) price(d time.Duration) int64 {
	return (int64(d/time.Second)*s.cfg.PricePerHourCents + 3599) / 3600
}

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
