package parkmate

import (
	"encoding/json"
	"strings"
	"time"
)

// Level is the seed design's notification type: the client calls
// notify[level](message).
type Level string

// The four levels of the design.
const (
	LevelSuccess Level = "success"
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelInfo    Level = "info"
)

// Valid reports whether l is one of the four levels.
func (l Level) Valid() bool {
	switch l {
	case LevelSuccess, LevelError, LevelWarning, LevelInfo:
		return true
	}
	return false
}

// The stable event names of the design's ten events.
const (
	EventBookingExpiring         = "booking.expiring"
	EventBookingExpired          = "booking.expired"
	EventBookingRenewed          = "booking.renewed"
	EventBookingRenewFailed      = "booking.renew_failed"
	EventBookingCompleted        = "booking.completed"
	EventBookingCancelledByAdmin = "booking.cancelled_by_admin"
	EventPaymentVerified         = "payment.verified"
	EventBookingCreated          = "booking.created"
	EventCarWashCompleted        = "carwash.completed"
	EventAssignmentCreated       = "assignment.created"
)

// The stable event names of the events added for the people who must act
// on a change (owners and employees).
const (
	EventPaymentAwaitingVerification = "payment.awaiting_verification"
	EventCarWashRequested            = "carwash.requested"
	EventBookingCancelledByUser      = "booking.cancelled_by_user"
)

// Notification is one stored message to one user, or to every member of a
// group (GroupKey set, UserID zero). IDs increase per user in commit order.
// Its JSON form is the WebSocket frame.
type Notification struct {
	ID        int64           `json:"id"`
	UserID    int64           `json:"-"`
	GroupKey  string          `json:"-"`
	Type      Level           `json:"type"`
	Message   string          `json:"message"`
	Event     string          `json:"event,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// InboxItem is a notification as its recipient's inbox shows it.
type InboxItem struct {
	Notification
	Read bool `json:"read"`
}

// Group keys name who a group notification reaches. Role groups are stored
// as one row each; a lot's staff is expanded to its few members.
const (
	GroupAll = "all"
)

// RoleGroup returns the group key of every user with role r.
func RoleGroup(r Role) string { return "role:" + string(r) }

// GroupsOf returns the stored group keys a user of role r belongs to.
func GroupsOf(r Role) []string { return []string{GroupAll, RoleGroup(r)} }

// InGroup reports whether a user of role r belongs to the stored group
// key (one of GroupsOf(r)), without allocating: the fan-out asks it for
// every socket of a broadcast.
func InGroup(r Role, group string) bool {
	if group == GroupAll {
		return true
	}
	rest, ok := strings.CutPrefix(group, "role:")
	return ok && rest == string(r)
}
