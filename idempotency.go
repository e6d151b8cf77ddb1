package parkmate

import "time"

// IdempotencyAnswer is the first answer given to an idempotency key.
type IdempotencyAnswer struct {
	// RequestHash identifies the request the key was first used with.
	RequestHash string
	// Status is the status of the answer (0 while its transaction runs).
	Status int
	// Response is the answer's body.
	Response []byte
	// CreatedAt is when the key was claimed.
	CreatedAt time.Time
}
