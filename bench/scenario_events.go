package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runEvents drives the domain path: owners verify the drivers' cash payments
// through the REST API and each driver's socket gets payment.verified.
func (r *runner) runEvents() error {
	admin, err := r.loginAdmin()
	if err != nil {
		return err
	}
	if err := r.setupDrivers(); err != nil {
		return err
	}
	setupStart := time.Now()
	owners, slots, err := r.setupLots(admin)
	if err != nil {
		return err
	}
	payments, err := r.bookAndPay(slots)
	r.res.SetupSeconds = round3(r.res.SetupSeconds + time.Since(setupStart).Seconds())
	if err != nil {
		return err
	}
	sendTimes := r.classifyPayments()
	if err := r.connectAll(); err != nil {
		return err
	}
	return r.verifyPayments(owners, payments, sendTimes)
}

// loginAdmin signs in the --admin account and checks that it is an admin.
func (r *runner) loginAdmin() (session, error) {
	adminName, adminPass, _ := strings.Cut(r.cfg.Admin, ":")
	admin, err := r.api.login(r.ctx, adminName, adminPass)
	if err != nil {
		return session{}, fmt.Errorf("admin login: %w", err)
	}
	if admin.User.Role != "admin" {
		return session{}, fmt.Errorf("--admin %s has role %q, not admin", adminName, admin.User.Role)
	}
	return admin, nil
}

// setupLots creates one owner and one lot per 500 drivers, and returns the
// owners' sessions and each lot's slots.
func (r *runner) setupLots(admin session) ([]session, [][]Slot, error) {
	n := len(r.clients)
	nLots := (n + maxSlotsPerLot - 1) / maxSlotsPerLot
	owners := make([]session, nLots)
	slots := make([][]Slot, nLots)
	err := forEach(r.ctx, nLots, r.cfg.SetupConcurrency, func(ctx context.Context, k int) error {
		s, err := r.setupOwner(ctx, admin, k)
		if err != nil {
			return err
		}
		owners[k] = s
		want := min(maxSlotsPerLot, n-k*maxSlotsPerLot)
		slots[k], err = r.setupLot(ctx, s, k, want)
		return err
	})
	return owners, slots, err
}

// setupOwner creates (or reuses) owner k and signs them in.
func (r *runner) setupOwner(ctx context.Context, admin session, k int) (session, error) {
	name := fmt.Sprintf("%s-o%d", r.cfg.UserPrefix, k)
	if _, err := r.api.createUser(ctx, admin.Access, name, r.cfg.Password, "owner"); err != nil && !isCode(err, http.StatusConflict, "") {
		return session{}, fmt.Errorf("creating owner %s: %w", name, err)
	}
	s, err := r.api.login(ctx, name, r.cfg.Password)
	if err != nil {
		return session{}, fmt.Errorf("owner login: %w", err)
	}
	if s.User.Role != "owner" {
		return session{}, fmt.Errorf("user %s has role %q, not owner", name, s.User.Role)
	}
	return s, nil
}

// setupLot creates owner's lot k with want slots and lists them.
func (r *runner) setupLot(ctx context.Context, owner session, k, want int) ([]Slot, error) {
	lot, err := r.api.createLot(ctx, owner.Access, fmt.Sprintf("%s lot %d", r.cfg.UserPrefix, k), want)
	if err != nil {
		return nil, fmt.Errorf("creating a lot: %w", err)
	}
	sl, err := r.api.lotSlots(ctx, owner.Access, lot.ID)
	if err != nil {
		return nil, fmt.Errorf("listing the slots of lot %d: %w", lot.ID, err)
	}
	if len(sl) < want {
		return nil, fmt.Errorf("GET /api/lots/%d/slots/ listed %d slots, the lot has %d", lot.ID, len(sl), want)
	}
	return sl, nil
}

// bookAndPay has each driver book a slot and pay cash, once per verify call
// it will get, and returns each driver's pending payments.
func (r *runner) bookAndPay(slots [][]Slot) ([][]int64, error) {
	n := len(r.clients)
	perDriver := r.paymentsPerDriver()
	payments := make([][]int64, n)
	var done atomic.Int64
	stop := r.progress("booking and paying", n, &done)
	defer stop()
	err := forEach(r.ctx, n, r.cfg.SetupConcurrency, func(ctx context.Context, i int) error {
		c := r.clients[i]
		slot := slots[i/maxSlotsPerLot][i%maxSlotsPerLot]
		var err error
		if payments[i], err = r.bookAndPayOne(ctx, c, slot, perDriver); err != nil {
			return err
		}
		done.Add(1)
		return nil
	})
	return payments, err
}

// paymentsPerDriver is how many verify calls each driver gets: enough for
// --rate over --duration.
func (r *runner) paymentsPerDriver() int {
	if r.cfg.Rate <= 0 {
		return 1
	}
	perDriver := int(math.Ceil(r.cfg.Rate * r.cfg.Duration.Seconds() / float64(len(r.clients))))
	return max(1, min(perDriver, 1000))
}

// bookAndPayOne books slot for c and pays cash for it perDriver times.
func (r *runner) bookAndPayOne(ctx context.Context, c *client, slot Slot, perDriver int) ([]int64, error) {
	b, err := r.api.book(ctx, c.sess.Access, slot.ID, 60)
	if err != nil {
		return nil, fmt.Errorf("driver %s booking slot %d: %w", c.sess.User.Username, slot.ID, err)
	}
	var ids []int64
	for p := 0; p < perDriver; p++ {
		pay, err := r.api.payCash(ctx, c.sess.Access, b.ID, 5)
		if err != nil {
			return nil, fmt.Errorf("driver %s paying booking %d: %w", c.sess.User.Username, b.ID, err)
		}
		if pay.ID == 0 || (pay.Status != "" && pay.Status != "PENDING") {
			return nil, fmt.Errorf("driver %s paying cash: got payment %+v, want a PENDING one", c.sess.User.Username, pay)
		}
		ids = append(ids, pay.ID)
	}
	return ids, nil
}

// classifyPayments makes the sockets count payment.verified frames, keyed
// by payment id, with the latency from the verify call's send time stored
// in the map it returns (payment id -> unix ns).
func (r *runner) classifyPayments() *sync.Map {
	var sendTimes sync.Map
	r.classify = func(f *frame, now time.Time) (int64, bool, float64) {
		if string(f.Event) != "payment.verified" || f.Data.PaymentID == 0 {
			return 0, false, -1
		}
		key := f.Data.PaymentID
		lat := -1.0
		if t, ok := sendTimes.Load(key); ok {
			lat = float64(now.UnixNano()-t.(int64)) / 1e6
		}
		return key, true, lat
	}
	return &sendTimes
}

// verifyPayments has the owners verify the payments round by round,
// drivers in random order within a round, and closes the scenario.
func (r *runner) verifyPayments(owners []session, payments [][]int64, sendTimes *sync.Map) error {
	type job struct {
		driver  int
		payment int64
	}
	n := len(r.clients)
	perDriver := r.paymentsPerDriver()
	queue := make(chan job, n*perDriver)
	for p := 0; p < perDriver; p++ {
		for _, i := range rand.Perm(n) {
			queue <- job{i, payments[i][p]}
		}
	}
	close(queue)
	var cs callStats
	r.logf("verifying payments for %s, rate %s, %d callers", r.cfg.Duration, rateString(r.cfg.Rate, "calls/s"), r.cfg.Publishers)
	before, okB := r.sampleServer()
	start := time.Now()
	el := pace(r.ctx, r.cfg.Duration, r.cfg.Rate, r.cfg.Publishers, func(ctx context.Context, w int) bool {
		j, ok := <-queue
		if !ok {
			return false
		}
		c := r.clients[j.driver]
		owner := owners[j.driver/maxSlotsPerLot]
		c.tr.expectKey(j.payment)
		cs.calls.Add(1)
		sendTimes.Store(j.payment, time.Now().UnixNano())
		pay, err := r.api.verifyPayment(ctx, owner.Access, j.payment)
		if err == nil && pay.Status != "" && pay.Status != "VERIFIED" {
			err = fmt.Errorf("POST /api/payments/%d/verify/: status %q, want VERIFIED", j.payment, pay.Status)
		}
		if err != nil {
			c.tr.unexpectKey(j.payment)
			cs.fail(err)
			return !permanent(err)
		}
		return true
	})
	return r.finishDeliveries(&cs, el, before, okB, start)
}
