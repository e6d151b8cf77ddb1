package parkmate

// Resources a live Change can be about.
const (
	ResourceBooking    = "booking"
	ResourcePayment    = "payment"
	ResourceCarWash    = "carwash"
	ResourceAssignment = "assignment"
	ResourceLot        = "lot"
	ResourceUser       = "user"
)

// Change is a live-only update: an object that screens list was created
// or changed status. It is never stored; it reaches the proto-2 sockets of
// UserIDs, and of every admin when Admins is set, after the transaction
// that made it commits.
type Change struct {
	Resource  string `json:"resource"`
	ID        int64  `json:"id"`
	BookingID int64  `json:"booking_id,omitempty"`
	LotID     int64  `json:"lot_id,omitempty"`
	Status    string `json:"status,omitempty"`
	// UserIDs are the users told, without repeats.
	UserIDs []int64 `json:"-"`
	// Admins tells every admin too.
	Admins bool `json:"-"`
	// Everyone tells every signed-in user (a new lot, which all may see).
	Everyone bool `json:"-"`
}

// SlotChange is a live-only update for the sockets that watch a lot: one
// of its slots became taken or free.
type SlotChange struct {
	LotID     int64 `json:"lot_id"`
	SlotID    int64 `json:"slot_id"`
	Number    int   `json:"number"`
	Free      bool  `json:"free"`
	FreeSlots int   `json:"free_slots"`
}

// Live is what one committed transaction tells screens besides its
// notifications.
type Live struct {
	Changes []Change
	Slots   []SlotChange
}

// Empty reports whether l tells nothing.
func (l Live) Empty() bool { return len(l.Changes) == 0 && len(l.Slots) == 0 }
