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
	adminName, adminPass, _ := strings.Cut(r.cfg.Admin, ":")
	admin, err := r.api.login(r.ctx, adminName, adminPass)
	if err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	if admin.User.Role != "admin" {
		return fmt.Errorf("--admin %s has role %q, not admin", adminName, admin.User.Role)
	}
	if err := r.setupDrivers(); err != nil {
		return err
	}
	n := len(r.clients)
	setupStart := time.Now()

	// One owner and one lot per 500 drivers.
	nLots := (n + maxSlotsPerLot - 1) / maxSlotsPerLot
	owners := make([]session, nLots)
	slots := make([][]Slot, nLots)
	err = forEach(r.ctx, nLots, r.cfg.SetupConcurrency, func(ctx context.Context, k int) error {
		name := fmt.Sprintf("%s-o%d", r.cfg.UserPrefix, k)
		if _, err := r.api.createUser(ctx, admin.Access, name, r.cfg.Password, "owner"); err != nil && !isCode(err, http.StatusConflict, "") {
			return fmt.Errorf("creating owner %s: %w", name, err)
		}
		s, err := r.api.login(ctx, name, r.cfg.Password)
		if err != nil {
			return fmt.Errorf("owner login: %w", err)
		}
		if s.User.Role != "owner" {
			return fmt.Errorf("user %s has role %q, not owner", name, s.User.Role)
		}
		owners[k] = s
		want := min(maxSlotsPerLot, n-k*maxSlotsPerLot)
		lot, err := r.api.createLot(ctx, s.Access, fmt.Sprintf("%s lot %d", r.cfg.UserPrefix, k), want)
		if err != nil {
			return fmt.Errorf("creating a lot: %w", err)
		}
		sl, err := r.api.lotSlots(ctx, s.Access, lot.ID)
		if err != nil {
			return fmt.Errorf("listing the slots of lot %d: %w", lot.ID, err)
		}
		if len(sl) < want {
			return fmt.Errorf("GET /api/lots/%d/slots/ listed %d slots, the lot has %d", lot.ID, len(sl), want)
		}
		slots[k] = sl
		return nil
	})
	if err != nil {
		return err
	}

	// Each driver books a slot and pays cash, once per verify call it will
	// get: enough pending payments for --rate over --duration.
	perDriver := 1
	if r.cfg.Rate > 0 {
		perDriver = int(math.Ceil(r.cfg.Rate * r.cfg.Duration.Seconds() / float64(n)))
		perDriver = max(1, min(perDriver, 1000))
	}
	payments := make([][]int64, n)
	var done atomic.Int64
	stop := r.progress("booking and paying", n, &done)
	err = forEach(r.ctx, n, r.cfg.SetupConcurrency, func(ctx context.Context, i int) error {
		c := r.clients[i]
		slot := slots[i/maxSlotsPerLot][i%maxSlotsPerLot]
		b, err := r.api.book(ctx, c.sess.Access, slot.ID, 60)
		if err != nil {
			return fmt.Errorf("driver %s booking slot %d: %w", c.sess.User.Username, slot.ID, err)
		}
		for p := 0; p < perDriver; p++ {
			pay, err := r.api.payCash(ctx, c.sess.Access, b.ID, 5)
			if err != nil {
				return fmt.Errorf("driver %s paying booking %d: %w", c.sess.User.Username, b.ID, err)
			}
			if pay.ID == 0 || (pay.Status != "" && pay.Status != "PENDING") {
				return fmt.Errorf("driver %s paying cash: got payment %+v, want a PENDING one", c.sess.User.Username, pay)
			}
			payments[i] = append(payments[i], pay.ID)
		}
		done.Add(1)
		return nil
	})
	stop()
	r.res.SetupSeconds = round3(r.res.SetupSeconds + time.Since(setupStart).Seconds())
	if err != nil {
		return err
	}

	var sendTimes sync.Map // payment id -> unix ns the verify call was sent
	r.classify = func(f *frame, now time.Time) (int64, bool, float64) {
		if f.Event != "payment.verified" || f.Data.PaymentID == 0 {
			return 0, false, -1
		}
		key := int64(f.Data.PaymentID)
		lat := -1.0
		if t, ok := sendTimes.Load(key); ok {
			lat = float64(now.UnixNano()-t.(int64)) / 1e6
		}
		return key, true, lat
	}
	if err := r.connectAll(); err != nil {
		return err
	}

	// Verify round by round, drivers in random order within a round.
	type job struct {
		driver  int
		payment int64
	}
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
