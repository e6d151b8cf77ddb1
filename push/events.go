package push

import (
	"slices"

	"parkmate"
	"parkmate/notify"
)

// defaultOn are the events pushed unless a user turns them off: the
// expiry warning, the expiry, an admin's cancellation, a failed renewal,
// and what owners and employees must act on. Every other event is pushed
// only when a user turns it on.
var defaultOn = map[string]bool{
	parkmate.EventBookingExpiring:             true,
	parkmate.EventBookingExpired:              true,
	parkmate.EventBookingCancelledByAdmin:     true,
	parkmate.EventBookingRenewFailed:          true,
	parkmate.EventPaymentAwaitingVerification: true,
	parkmate.EventCarWashRequested:            true,
	parkmate.EventBookingCancelledByUser:      true,
}

// Events returns the events a user may have pushed, in the order of the
// event table (package notify). Notifications with any other event (a
// service's own, sent through POST /api/publish/) and those sent to a
// group are never pushed.
func Events() []string {
	var out []string
	for _, e := range notify.Events() {
		out = append(out, e.Name)
	}
	return out
}

// DefaultOn reports whether event is pushed for a user who did not choose.
func DefaultOn(event string) bool { return defaultOn[event] }

// Known reports whether event is one of Events.
func Known(event string) bool { return slices.Contains(Events(), event) }

// wants reports whether a user with prefs wants event pushed.
func wants(prefs map[string]bool, event string) bool {
	if on, ok := prefs[event]; ok {
		return on && Known(event)
	}
	return DefaultOn(event)
}

// Preferences is a user's choice per event, every event of Events listed.
type Preferences struct {
	// Push says, per event, whether it is pushed.
	Push map[string]bool `json:"push"`
	// Events lists the events in display order.
	Events []string `json:"events"`
	// Defaults says what each event does when the user has not chosen.
	Defaults map[string]bool `json:"defaults"`
}

func preferences(set map[string]bool) Preferences {
	p := Preferences{Push: map[string]bool{}, Events: Events(), Defaults: map[string]bool{}}
	for _, e := range p.Events {
		p.Push[e] = wants(set, e)
		p.Defaults[e] = DefaultOn(e)
	}
	return p
}
