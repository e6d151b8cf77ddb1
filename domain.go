package parkmate

import (
	"encoding/json"
	"time"
)

// Role says what a user may do.
type Role string

// The four roles.
const (
	RoleDriver   Role = "driver"
	RoleOwner    Role = "owner"
	RoleEmployee Role = "employee"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleDriver, RoleOwner, RoleEmployee, RoleAdmin:
		return true
	}
	return false
}

// User is an account.
type User struct {
	ID           int64  `json:"id"`
	Username     string `json:"username"`
	Role         Role   `json:"role"`
	PasswordHash string `json:"-"`
}

// Session is one sign-in of a user; its id is carried in the access token
// so that logging out (revoking the session) ends every socket it opened.
type Session struct {
	ID        string
	UserID    int64
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Lot is a parking lot owned by an owner.
type Lot struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	OwnerID int64  `json:"owner_id"`
	Slots   int    `json:"slots"`
	Free    int    `json:"free"`
}

// Slot is one parking space of a lot.
type Slot struct {
	ID     int64 `json:"id"`
	LotID  int64 `json:"lot_id"`
	Number int   `json:"number"`
	Free   bool  `json:"free"`
}

// BookingStatus is the state of a booking.
type BookingStatus string

// Booking statuses.
const (
	BookingActive           BookingStatus = "ACTIVE"
	BookingExpired          BookingStatus = "EXPIRED"
	BookingCompleted        BookingStatus = "COMPLETED"
	BookingCancelledByUser  BookingStatus = "CANCELLED_BY_USER"
	BookingCancelledByAdmin BookingStatus = "CANCELLED_BY_ADMIN"
)

// BookingStatuses returns every booking status, in the order of its life.
func BookingStatuses() []BookingStatus {
	return []BookingStatus{BookingActive, BookingExpired, BookingCompleted, BookingCancelledByUser, BookingCancelledByAdmin}
}

// Booking is a driver's hold on a slot for a time.
type Booking struct {
	ID         int64         `json:"id"`
	UserID     int64         `json:"user_id"`
	Username   string        `json:"username"`
	SlotID     int64         `json:"slot_id"`
	SlotNumber int           `json:"slot_number"`
	LotID      int64         `json:"lot_id"`
	LotName    string        `json:"lot_name"`
	OwnerID    int64         `json:"-"`
	Status     BookingStatus `json:"status"`
	StartsAt   time.Time     `json:"starts_at"`
	EndsAt     time.Time     `json:"ends_at"`
	CreatedAt  time.Time     `json:"created_at"`
	// EndedAt is when the booking left ACTIVE (nil while it is ACTIVE).
	EndedAt *time.Time `json:"ended_at"`
	// PriceCents is the price of the booked time, set when it was booked
	// and on each renewal; the API shows it as "price" in currency units.
	PriceCents int64 `json:"-"`
	// PaymentStatus is the status of the newest payment ("" when none);
	// the API shows null for none.
	PaymentStatus PaymentStatus `json:"-"`
	Warned        bool          `json:"-"`
	Payments      []Payment     `json:"payments,omitempty"`
	CarWashes     []CarWash     `json:"carwashes,omitempty"`
}

// PaymentMethod is how a booking is paid.
type PaymentMethod string

// Payment methods.
const (
	PaymentCash   PaymentMethod = "CASH"
	PaymentOnline PaymentMethod = "ONLINE"
)

// PaymentStatus is the state of a payment.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending  PaymentStatus = "PENDING"
	PaymentVerified PaymentStatus = "VERIFIED"
	PaymentFailed   PaymentStatus = "FAILED"
)

// PaymentStatuses returns every payment status.
func PaymentStatuses() []PaymentStatus {
	return []PaymentStatus{PaymentPending, PaymentVerified, PaymentFailed}
}

// Payment is money paid for a booking. AmountCents avoids float rounding;
// the API shows it as a JSON number of currency units.
type Payment struct {
	ID          int64         `json:"id"`
	BookingID   int64         `json:"booking_id"`
	LotID       int64         `json:"lot_id"`
	UserID      int64         `json:"user_id"`
	Method      PaymentMethod `json:"method"`
	AmountCents int64         `json:"-"`
	Status      PaymentStatus `json:"status"`
	CreatedAt   time.Time     `json:"created_at"`
	// Driver, LotName and SlotNumber name what the payment is for.
	Driver     string `json:"driver"`
	LotName    string `json:"lot_name"`
	SlotNumber int    `json:"slot_number"`
}

// CarWashStatus is the state of a car wash.
type CarWashStatus string

// Car wash statuses.
const (
	CarWashRequested  CarWashStatus = "REQUESTED"
	CarWashInProgress CarWashStatus = "IN_PROGRESS"
	CarWashCompleted  CarWashStatus = "COMPLETED"
)

// CarWashStatuses returns every car wash status, in the order of its life.
func CarWashStatuses() []CarWashStatus {
	return []CarWashStatus{CarWashRequested, CarWashInProgress, CarWashCompleted}
}

// The documented car wash services.
const (
	CarWashExterior = "exterior"
	CarWashInterior = "interior"
	CarWashFull     = "full"
)

// CarWashServices returns the documented car wash services, in the order
// clients show them.
func CarWashServices() []string { return []string{CarWashExterior, CarWashInterior, CarWashFull} }

// CarWash is a wash ordered on a booking.
type CarWash struct {
	ID        int64         `json:"id"`
	BookingID int64         `json:"booking_id"`
	LotID     int64         `json:"lot_id"`
	UserID    int64         `json:"user_id"`
	Service   string        `json:"service"`
	Status    CarWashStatus `json:"status"`
	CreatedAt time.Time     `json:"created_at"`
	// Driver, LotName and SlotNumber name what the wash is for.
	Driver     string `json:"driver"`
	LotName    string `json:"lot_name"`
	SlotNumber int    `json:"slot_number"`
}

// Assignment puts an employee on a lot.
type Assignment struct {
	ID         int64     `json:"id"`
	EmployeeID int64     `json:"employee_id"`
	Employee   string    `json:"employee"`
	LotID      int64     `json:"lot_id"`
	LotName    string    `json:"lot_name"`
	OwnerID    int64     `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// MarshalJSON shows the amount as a number of currency units.
func (p Payment) MarshalJSON() ([]byte, error) {
	type plain Payment
	return json.Marshal(struct {
		plain
		Amount float64 `json:"amount"`
	}{plain(p), float64(p.AmountCents) / 100})
}

// MarshalJSON shows the price as a number of currency units, the payment
// status as null when there is no payment, and the payments and car
// washes when they were read (nil: not read, omitted; empty: none).
func (b Booking) MarshalJSON() ([]byte, error) {
	type plain Booking
	out := struct {
		plain
		Price         float64        `json:"price"`
		PaymentStatus *PaymentStatus `json:"payment_status"`
		Payments      *[]Payment     `json:"payments,omitempty"`
		CarWashes     *[]CarWash     `json:"carwashes,omitempty"`
	}{plain: plain(b), Price: float64(b.PriceCents) / 100}
	if b.PaymentStatus != "" {
		out.PaymentStatus = &b.PaymentStatus
	}
	if b.Payments != nil {
		out.Payments = &b.Payments
	}
	if b.CarWashes != nil {
		out.CarWashes = &b.CarWashes
	}
	return json.Marshal(out)
}
