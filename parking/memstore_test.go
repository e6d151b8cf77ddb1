package parking_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"parkmate"
	"parkmate/parking"
)

// memStore is a parking.Store in memory, for the rules' tests: the
// contract of package sqlstore (whose conformance suite shows that SQLite
// and PostgreSQL agree) without SQL. Transactions run one at a time.
// Update works on a copy of the state and keeps it only when fn succeeds,
// so a refused change leaves nothing behind; View's transaction refuses
// writes, so a rule that writes outside Update fails its test.
type memStore struct {
	mu        sync.Mutex
	clock     parkmate.Clock
	st        *memState
	published []parkmate.Notification // committed, in commit order
}

// memState is every table. Rows keep their own columns only; what SQL
// joins in (a booking's lot, a payment's driver) is added when read.
type memState struct {
	lastID      int64
	lastNote    int64
	users       map[int64]parkmate.User
	lots        map[int64]parkmate.Lot
	slots       map[int64]parkmate.Slot
	bookings    map[int64]parkmate.Booking
	payments    map[int64]parkmate.Payment
	carwashes   map[int64]parkmate.CarWash
	assignments map[int64]parkmate.Assignment
	notes       []parkmate.Notification
	reads       map[[2]int64]bool // user, notification
	readUpTo    map[int64]int64
	keys        map[string]parkmate.IdempotencyAnswer
}

var _ parking.Store = (*memStore)(nil)

func newMemStore(clock parkmate.Clock) *memStore {
	return &memStore{clock: clock, st: &memState{
		users: map[int64]parkmate.User{}, lots: map[int64]parkmate.Lot{}, slots: map[int64]parkmate.Slot{},
		bookings: map[int64]parkmate.Booking{}, payments: map[int64]parkmate.Payment{}, carwashes: map[int64]parkmate.CarWash{},
		assignments: map[int64]parkmate.Assignment{}, reads: map[[2]int64]bool{}, readUpTo: map[int64]int64{},
		keys: map[string]parkmate.IdempotencyAnswer{},
	}}
}

// deleteUser deletes an account as package auth does: lookups and lists
// no longer find it (the SQL store keeps the row, marked deleted).
func (m *memStore) deleteUser(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.st.clone()
	delete(st.users, id)
	m.st = st
}

func (s *memState) clone() *memState {
	c := *s
	c.users, c.lots, c.slots = maps.Clone(s.users), maps.Clone(s.lots), maps.Clone(s.slots)
	c.bookings, c.payments, c.carwashes = maps.Clone(s.bookings), maps.Clone(s.payments), maps.Clone(s.carwashes)
	c.assignments, c.notes = maps.Clone(s.assignments), slices.Clone(s.notes)
	c.reads, c.readUpTo, c.keys = maps.Clone(s.reads), maps.Clone(s.readUpTo), maps.Clone(s.keys)
	return &c
}

// Update runs fn on a copy of the state and keeps the copy when fn
// succeeds; the notifications fn added are then published.
func (m *memStore) Update(_ context.Context, fn func(parking.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{st: m.st.clone(), now: m.clock.Now(), write: true}
	if err := fn(tx); err != nil {
		return err
	}
	m.st = tx.st
	m.published = append(m.published, tx.added...)
	return nil
}

// View runs fn on the state, refusing writes.
func (m *memStore) View(_ context.Context, fn func(parking.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(&memTx{st: m.st, now: m.clock.Now()})
}

// addUser creates an account (accounts are package auth's business).
func (m *memStore) addUser(name string, role parkmate.Role) parkmate.User {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.st.lastID++
	u := parkmate.User{ID: m.st.lastID, Username: name, Role: role}
	m.st.users[u.ID] = u
	return u
}

// take returns the notifications committed since the last take.
func (m *memStore) take() []parkmate.Notification {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.published
	m.published = nil
	return out
}

// memTx is one transaction over a memState.
type memTx struct {
	st    *memState
	now   time.Time
	write bool
	added []parkmate.Notification
}

var _ parking.Tx = (*memTx)(nil)

var errReadOnly = errors.New("memstore: a write in a read-only transaction")

// mustWrite panics unless the transaction may write.
func (tx *memTx) mustWrite() {
	if !tx.write {
		panic(errReadOnly)
	}
}

// newID returns the id of a new row.
func (tx *memTx) newID() int64 {
	tx.mustWrite()
	tx.st.lastID++
	return tx.st.lastID
}

func notFound(what string, id int64) error {
	return parkmate.Errorf(parkmate.ENOTFOUND, "%s %d not found.", what, id)
}

// newestFirst lists the rows of m that keep accepts, newest first within
// the page: what every list query of sqlstore does.
func newestFirst[T any](m map[int64]T, p parkmate.Page, keep func(T) bool) []T {
	ids := slices.Sorted(maps.Keys(m))
	slices.Reverse(ids)
	out := []T{}
	for _, id := range ids {
		if (p.Before > 0 && id >= p.Before) || !keep(m[id]) {
			continue
		}
		if out = append(out, m[id]); len(out) == p.Size() {
			break
		}
	}
	return out
}

func (tx *memTx) Now() time.Time { return tx.now }

func (tx *memTx) UserByID(id int64) (parkmate.User, error) {
	u, ok := tx.st.users[id]
	if !ok {
		return u, notFound("User", id)
	}
	return u, nil
}

func (tx *memTx) Users(role parkmate.Role, p parkmate.Page) ([]parkmate.User, error) {
	return newestFirst(tx.st.users, p, func(u parkmate.User) bool { return role == "" || u.Role == role }), nil
}

func (tx *memTx) ExistingUsers(ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		if _, ok := tx.st.users[id]; ok {
			out[id] = true
		}
	}
	return out, nil
}

func (tx *memTx) CreateLot(l parkmate.Lot) (parkmate.Lot, error) {
	l.ID = tx.newID()
	tx.st.lots[l.ID] = parkmate.Lot{ID: l.ID, Name: l.Name, OwnerID: l.OwnerID}
	for n := 1; n <= l.Slots; n++ {
		id := tx.newID()
		tx.st.slots[id] = parkmate.Slot{ID: id, LotID: l.ID, Number: n}
	}
	l.Free = l.Slots
	return l, nil
}

// lot returns a stored lot with its slot counts.
func (tx *memTx) lot(l parkmate.Lot) parkmate.Lot {
	for _, s := range tx.st.slots {
		if s.LotID == l.ID {
			l.Slots++
			if tx.slotFree(s.ID) {
				l.Free++
			}
		}
	}
	return l
}

func (tx *memTx) slotFree(slotID int64) bool {
	for _, b := range tx.st.bookings {
		if b.SlotID == slotID && b.Status == parkmate.BookingActive {
			return false
		}
	}
	return true
}

func (tx *memTx) LotByID(id int64) (parkmate.Lot, error) {
	l, ok := tx.st.lots[id]
	if !ok {
		return l, notFound("Lot", id)
	}
	return tx.lot(l), nil
}

func (tx *memTx) Lots(ownerID int64, p parkmate.Page) ([]parkmate.Lot, error) {
	out := newestFirst(tx.st.lots, p, func(l parkmate.Lot) bool { return ownerID == 0 || l.OwnerID == ownerID })
	for i := range out {
		out[i] = tx.lot(out[i])
	}
	return out, nil
}

func (tx *memTx) LotOwner(lotID int64) (int64, error) {
	l, ok := tx.st.lots[lotID]
	if !ok {
		return 0, notFound("Lot", lotID)
	}
	return l.OwnerID, nil
}

func (tx *memTx) Slots(lotID int64) ([]parkmate.Slot, error) {
	out := []parkmate.Slot{}
	for _, s := range tx.st.slots {
		if s.LotID == lotID {
			s.Free = tx.slotFree(s.ID)
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b parkmate.Slot) int { return a.Number - b.Number })
	return out, nil
}

func (tx *memTx) SlotLot(slotID int64) (parkmate.Slot, parkmate.Lot, error) {
	s, ok := tx.st.slots[slotID]
	if !ok {
		return s, parkmate.Lot{}, notFound("Slot", slotID)
	}
	l, err := tx.LotByID(s.LotID)
	return s, l, err
}

func (tx *memTx) ExistingLots(ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		if _, ok := tx.st.lots[id]; ok {
			out[id] = true
		}
	}
	return out, nil
}

func (tx *memTx) LotEmployees(lotID int64) ([]int64, error) {
	var out []int64
	for _, a := range tx.st.assignments {
		if a.LotID == lotID {
			out = append(out, a.EmployeeID)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (tx *memTx) IsEmployeeOf(employeeID, lotID int64) (bool, error) {
	for _, a := range tx.st.assignments {
		if a.EmployeeID == employeeID && a.LotID == lotID {
			return true, nil
		}
	}
	return false, nil
}

func (tx *memTx) CreateAssignment(a parkmate.Assignment) (parkmate.Assignment, error) {
	if ok, _ := tx.IsEmployeeOf(a.EmployeeID, a.LotID); ok {
		return a, parkmate.CodedErrorf(parkmate.ECONFLICT, "already_assigned", "This employee is already assigned to this lot.")
	}
	a.ID, a.CreatedAt = tx.newID(), tx.now
	tx.st.assignments[a.ID] = parkmate.Assignment{ID: a.ID, EmployeeID: a.EmployeeID, LotID: a.LotID, CreatedAt: a.CreatedAt}
	return a, nil
}

func (tx *memTx) Assignments(f parkmate.AssignmentFilter) ([]parkmate.Assignment, error) {
	out := newestFirst(tx.st.assignments, f.Page, func(a parkmate.Assignment) bool {
		return (f.OwnerID == 0 || tx.st.lots[a.LotID].OwnerID == f.OwnerID) &&
			(f.EmployeeID == 0 || a.EmployeeID == f.EmployeeID) && (f.LotID == 0 || a.LotID == f.LotID)
	})
	for i, a := range out {
		l := tx.st.lots[a.LotID]
		out[i].Employee, out[i].LotName, out[i].OwnerID = tx.st.users[a.EmployeeID].Username, l.Name, l.OwnerID
	}
	return out, nil
}

// nextID makes id the id of the next row made.
func (m *memStore) nextID(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.st.lastID = id - 1
}
