package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/auth"
	"parkmate/httpapi"
	"parkmate/hub"
	"parkmate/parking"
	"parkmate/socket"
	"parkmate/sqlite"
	"parkmate/sqlstore"
)

var ctx = context.Background()

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// quiet is a Notifier and a SessionNotifier that tells no socket.
type quiet struct{}

func (quiet) ReadState(context.Context, int64, []int64) {}
func (quiet) ReadAll(context.Context, int64, int64)     {}
func (quiet) Live(context.Context, parkmate.Live)       {}

func (quiet) SessionEnded(context.Context, int64, string) {}

// api is one node's HTTP handler over the real rules and a SQLite file,
// with someone of every role signed in:
//
//	dana and pat (drivers), oscar (owner of lot, 20 slots),
//	erin (employee, assigned to lot), ada (admin).
type api struct {
	t       *testing.T
	h       http.Handler
	clock   *clock
	db      *sqlstore.DB
	parking *parking.Service
	auth    *auth.Service
	hub     *hub.Hub
	users   map[string]parkmate.User
	tokens  map[string]string
	lot     parkmate.Lot
	slots   []parkmate.Slot
	next    int // the next free slot
}

// ready is what /readyz reports; tests set it.
type ready struct {
	mu  sync.Mutex
	err error
}

func (r *ready) check(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func newAPI(t *testing.T, cfg httpapi.Config, readiness *ready) *api {
	t.Helper()
	a := &api{t: t, clock: &clock{now: time.Now().UTC().Truncate(time.Second)}, hub: hub.New(),
		users: map[string]parkmate.User{}, tokens: map[string]string{}}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), sqlstore.WithNow(a.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a.db = db
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a.parking = parking.New(a.db.ParkingStore(), a.clock, quiet{}, parking.Config{})
	if a.auth, err = auth.New(a.db.AuthStore(), a.clock, quiet{}, auth.Config{Secret: auth.Secret(strings.Repeat("s", 32)), PasswordCost: 4}); err != nil {
		t.Fatal(err)
	}
	sockets := socket.NewServer(a.hub, a.parking, socket.Config{NoPoller: true}, log, nil)
	t.Cleanup(func() { a.hub.CloseAll(socket.CloseGoingAway, "test over") })
	if readiness == nil {
		readiness = &ready{}
	}
	srv, err := httpapi.New(httpapi.Deps{Parking: a.parking, Auth: a.auth, Sockets: sockets, UserSockets: a.hub, Log: log,
		Ready: readiness.check}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.h = srv.Handler()
	for name, role := range map[string]parkmate.Role{"dana": parkmate.RoleDriver, "pat": parkmate.RoleDriver,
		"oscar": parkmate.RoleOwner, "erin": parkmate.RoleEmployee, "ada": parkmate.RoleAdmin} {
		a.users[name] = must(a.auth.CreateUser(ctx, name, "long-enough", role))(t)
		tok, _, _, err := a.auth.Login(ctx, name, "long-enough")
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[name] = tok
	}
	a.lot = must(a.parking.CreateLot(ctx, a.users["oscar"], "Central", 20))(t)
	a.slots = must(a.parking.Slots(ctx, a.users["dana"], a.lot.ID))(t)
	must(a.parking.Assign(ctx, a.users["ada"], a.users["erin"].ID, a.lot.ID))(t)
	return a
}

// must returns a function that fails the test on err, else returns v.
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("setting up: %v", err)
		}
		return v
	}
}

// book gives a driver a new 60-minute booking on the next free slot.
func (a *api) book(driver string) parkmate.Booking {
	a.t.Helper()
	a.next++
	return must(a.parking.Book(ctx, a.users[driver], a.slots[a.next].ID, 60))(a.t)
}

// call is one request of a table and what it must answer.
type call struct {
	name         string
	as           string // whose Bearer token is sent; "" for none
	method, path string
	body         any // a string is sent as is, anything else as JSON
	status       int
	code         string            // the error code, for a status of 400 or more
	keys         []string          // the top-level keys of the answer, for a status below 400
	header       map[string]string // more request headers
}

// run sends each call in order and checks the status, the error code or
// the shape of the answer, and that every answer is JSON.
func (a *api) run(calls []call) {
	a.t.Helper()
	for _, c := range calls {
		a.t.Run(c.name, func(t *testing.T) {
			rec := a.send(c)
			body := rec.Body.String()
			if rec.Code != c.status {
				t.Fatalf("%s %s: %d %s, want %d", c.method, c.path, rec.Code, body, c.status)
			}
			if c.status == http.StatusNoContent {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
				t.Fatalf("not a JSON object: %s", body)
			}
			if c.status >= 400 {
				var e struct {
					Error struct{ Code, Message string }
				}
				if json.Unmarshal(rec.Body.Bytes(), &e); e.Error.Code != c.code || e.Error.Message == "" || len(obj) != 1 {
					t.Fatalf("error %s, want code %q", body, c.code)
				}
				return
			}
			got := slices.Sorted(func(yield func(string) bool) {
				for k := range obj {
					if !yield(k) {
						return
					}
				}
			})
			if want := slices.Sorted(slices.Values(c.keys)); !slices.Equal(got, want) {
				t.Fatalf("keys %v, want %v: %s", got, want, body)
			}
		})
	}
}

// send makes one request to the handler.
func (a *api) send(c call) *httptest.ResponseRecorder {
	var body io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.as != "" {
		req.Header.Set("Authorization", "Bearer "+a.tokens[c.as])
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// get sends a GET as someone and decodes the answer into v.
func (a *api) get(as, path string, v any) {
	a.t.Helper()
	rec := a.send(call{as: as, method: http.MethodGet, path: path})
	if rec.Code != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		a.t.Fatal(err)
	}
}

// Shapes of answers.
var (
	listKeys    = []string{"items", "next"}
	bookingKeys = []string{"id", "user_id", "username", "slot_id", "slot_number", "lot_id", "lot_name", "status",
		"starts_at", "ends_at", "created_at", "ended_at", "price", "payment_status"}
	fullBookingKeys = append(slices.Clone(bookingKeys), "payments", "carwashes")
	paymentKeys     = []string{"id", "booking_id", "lot_id", "user_id", "method", "status", "amount", "created_at", "driver", "lot_name", "slot_number"}
	carWashKeys     = []string{"id", "booking_id", "lot_id", "user_id", "service", "status", "created_at", "driver", "lot_name", "slot_number"}
	userKeys        = []string{"id", "username", "role"}
	lotKeys         = []string{"id", "name", "owner_id", "slots", "free"}
	inboxKeys       = []string{"id", "type", "message", "event", "data", "created_at", "read"}
)
