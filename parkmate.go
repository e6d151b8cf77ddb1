// Package parkmate holds ParkMate Notify's domain: users, lots, bookings,
// payments, car washes, assignments and the notifications their changes
// cause, with the one error type every layer returns. It imports nothing
// from the project; storage, transport and wiring live in sub-packages.
package parkmate

import "time"

// Clock tells the time. Production code uses SystemClock; tests inject a
// clock they control so that timers and expiry can be driven exactly.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
