package parking_test

import (
	"slices"
	"testing"

	"parkmate"
)

// actors are the columns of the permission table: dana's booking is on
// oscar's lot, where erin works; pat, olga and emil are a driver, an owner
// and an employee of the other lot; ada is an admin.
var actors = [7]string{"dana", "pat", "oscar", "olga", "erin", "emil", "ada"}

const ok = ""

// permissions is every action by every actor: allowed (and who is told
// what) or refused with which error (and nobody told).
var permissions = []struct {
	action string
	do     func(w *world, u parkmate.User) error
	want   [7]string           // per actor: ok or the error
	told   map[string][]string // per allowed actor: what is committed
}{
	{"create a lot", func(w *world, u parkmate.User) error {
		_, err := w.svc.CreateLot(ctx, u, "New", 2)
		return err
	}, [7]string{forbidden, forbidden, ok, ok, forbidden, forbidden, forbidden}, nil},
	{"list lots", func(w *world, u parkmate.User) error {
		_, err := w.svc.Lots(ctx, u, false, parkmate.Page{})
		return err
	}, [7]string{ok, ok, ok, ok, ok, ok, ok}, nil},
	{"see a lot's slots", func(w *world, u parkmate.User) error {
		_, err := w.svc.Slots(ctx, u, w.lot.ID)
		return err
	}, [7]string{ok, ok, ok, ok, ok, ok, ok}, nil},
	{"list accounts", func(w *world, u parkmate.User) error {
		_, err := w.svc.Users(ctx, u, "", parkmate.Page{})
		return err
	}, [7]string{forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, ok}, nil},
	{"assign an employee", func(w *world, u parkmate.User) error {
		_, err := w.svc.Assign(ctx, u, w.erin.ID, w.otherLot.ID)
		return err
	}, [7]string{forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, ok},
		map[string][]string{"ada": {"assignment.created>olga", "assignment.created>erin"}}},
	{"book a free slot", func(w *world, u parkmate.User) error {
		_, err := w.svc.Book(ctx, u, w.slots[1].ID, 30)
		return err
	}, [7]string{ok, ok, forbidden, forbidden, forbidden, forbidden, forbidden},
		map[string][]string{"dana": {"booking.created>oscar"}, "pat": {"booking.created>oscar"}}},
	{"see the booking", func(w *world, u parkmate.User) error {
		_, err := w.svc.Booking(ctx, u, w.booking.ID)
		return err
	}, [7]string{ok, forbidden, ok, forbidden, ok, forbidden, ok}, nil},
	{"renew it", func(w *world, u parkmate.User) error {
		_, err := w.svc.Renew(ctx, u, w.booking.ID, 10)
		return err
	}, [7]string{ok, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden},
		map[string][]string{"dana": {"booking.renewed>dana"}}},
	{"complete it", func(w *world, u parkmate.User) error {
		_, err := w.svc.Complete(ctx, u, w.booking.ID)
		return err
	}, [7]string{forbidden, forbidden, ok, forbidden, forbidden, forbidden, forbidden},
		map[string][]string{"oscar": {"booking.completed>dana"}}},
	{"cancel it", func(w *world, u parkmate.User) error {
		_, err := w.svc.Cancel(ctx, u, w.booking.ID)
		return err
	}, [7]string{ok, forbidden, forbidden, forbidden, forbidden, forbidden, ok},
		map[string][]string{"ada": {"booking.cancelled_by_admin>dana"}, "dana": {"booking.cancelled_by_user>oscar"}}},
	{"pay for it", func(w *world, u parkmate.User) error {
		_, err := w.svc.Pay(ctx, u, w.booking.ID, parkmate.PaymentOnline, 250)
		return err
	}, [7]string{ok, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden}, nil},
	{"verify its cash payment", func(w *world, u parkmate.User) error {
		_, err := w.svc.VerifyPayment(ctx, u, w.payment.ID)
		return err
	}, [7]string{forbidden, forbidden, ok, forbidden, forbidden, forbidden, forbidden},
		map[string][]string{"oscar": {"payment.verified>dana"}}},
	{"order a car wash", func(w *world, u parkmate.User) error {
		_, err := w.svc.OrderCarWash(ctx, u, w.booking.ID, "exterior")
		return err
	}, [7]string{ok, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden},
		map[string][]string{"dana": {"carwash.requested>oscar", "carwash.requested>erin"}}},
	{"start its car wash", func(w *world, u parkmate.User) error {
		_, err := w.svc.StartCarWash(ctx, u, w.wash.ID)
		return err
	}, [7]string{forbidden, forbidden, ok, forbidden, ok, forbidden, forbidden}, nil},
	{"complete its car wash", func(w *world, u parkmate.User) error {
		_, err := w.svc.CompleteCarWash(ctx, u, w.wash.ID)
		return err
	}, [7]string{forbidden, forbidden, ok, forbidden, ok, forbidden, forbidden},
		map[string][]string{"oscar": {"carwash.completed>dana"}, "erin": {"carwash.completed>dana"}}},
}

// TestPermissions runs every action as every role, with and without a
// relation to what it acts on.
func TestPermissions(t *testing.T) {
	for _, tc := range permissions {
		for i, who := range actors {
			t.Run(tc.action+"/"+who, func(t *testing.T) {
				w := newWorld(t)
				err := tc.do(w, w.users()[who])
				if got := errorOf(err); got != tc.want[i] {
					t.Fatalf("error %q (%v), want %q", got, err, tc.want[i])
				}
				w.expectTold(tc.told[who]...)
			})
		}
	}
}

// TestListsShowWhatEachRoleMaySee checks the scope of every list: a driver
// sees their own, an owner their lots', an employee the lots they work on
// (but no money), an admin everything.
func TestListsShowWhatEachRoleMaySee(t *testing.T) {
	w := newWorld(t)
	b, ob := w.booking.ID, w.otherBooking.ID
	p, op := w.payment.ID, w.otherPayment.ID
	c, oc := w.wash.ID, w.otherWash.ID
	a, oa := w.assignment.ID, w.otherAssignment.ID
	for _, tc := range []struct {
		who                                     string
		bookings, payments, washes, assignments []int64
	}{
		{"dana", []int64{b}, []int64{p}, []int64{c}, nil},
		{"pat", []int64{ob}, []int64{op}, []int64{oc}, nil},
		{"oscar", []int64{b}, []int64{p}, []int64{c}, []int64{a}},
		{"olga", []int64{ob}, []int64{op}, []int64{oc}, []int64{oa}},
		{"erin", []int64{b}, nil, []int64{c}, []int64{a}},
		{"emil", []int64{ob}, nil, []int64{oc}, []int64{oa}},
		{"ada", []int64{ob, b}, []int64{op, p}, []int64{oc, c}, []int64{oa, a}},
	} {
		t.Run(tc.who, func(t *testing.T) {
			u := w.users()[tc.who]
			bs := must(w.svc.Bookings(ctx, u, "", parkmate.Page{}))(t)
			ps := must(w.svc.Payments(ctx, u, "", parkmate.Page{}))(t)
			cs := must(w.svc.CarWashes(ctx, u, "", parkmate.Page{}))(t)
			as := must(w.svc.Assignments(ctx, u, parkmate.Page{}))(t)
			check := func(what string, got, want []int64) {
				t.Helper()
				if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("%s: %v, want %v", what, got, want)
				}
			}
			check("bookings", ids(bs, func(b parkmate.Booking) int64 { return b.ID }), tc.bookings)
			check("payments", ids(ps, func(p parkmate.Payment) int64 { return p.ID }), tc.payments)
			check("car washes", ids(cs, func(c parkmate.CarWash) int64 { return c.ID }), tc.washes)
			check("assignments", ids(as, func(a parkmate.Assignment) int64 { return a.ID }), tc.assignments)
		})
	}
}

// TestListFilters checks the filters a caller may add within its scope.
func TestListFilters(t *testing.T) {
	w := newWorld(t)
	must(w.svc.Complete(ctx, w.olga, w.otherBooking.ID))(t)
	must(w.svc.VerifyPayment(ctx, w.oscar, w.payment.ID))(t)
	must(w.svc.StartCarWash(ctx, w.erin, w.wash.ID))(t)
	for _, tc := range []struct {
		name string
		got  func() ([]int64, error)
		want []int64
	}{
		{"active bookings", func() ([]int64, error) {
			bs, err := w.svc.Bookings(ctx, w.ada, parkmate.BookingActive, parkmate.Page{})
			return ids(bs, func(b parkmate.Booking) int64 { return b.ID }), err
		}, []int64{w.booking.ID}},
		{"completed bookings", func() ([]int64, error) {
			bs, err := w.svc.Bookings(ctx, w.ada, parkmate.BookingCompleted, parkmate.Page{})
			return ids(bs, func(b parkmate.Booking) int64 { return b.ID }), err
		}, []int64{w.otherBooking.ID}},
		{"pending payments", func() ([]int64, error) {
			ps, err := w.svc.Payments(ctx, w.ada, string(parkmate.PaymentPending), parkmate.Page{})
			return ids(ps, func(p parkmate.Payment) int64 { return p.ID }), err
		}, []int64{w.otherPayment.ID}},
		{"car washes in progress", func() ([]int64, error) {
			cs, err := w.svc.CarWashes(ctx, w.ada, string(parkmate.CarWashInProgress), parkmate.Page{})
			return ids(cs, func(c parkmate.CarWash) int64 { return c.ID }), err
		}, []int64{w.wash.ID}},
		{"a page of one", func() ([]int64, error) {
			bs, err := w.svc.Bookings(ctx, w.ada, "", parkmate.Page{Limit: 1})
			return ids(bs, func(b parkmate.Booking) int64 { return b.ID }), err
		}, []int64{w.otherBooking.ID}},
		{"the page before", func() ([]int64, error) {
			bs, err := w.svc.Bookings(ctx, w.ada, "", parkmate.Page{Before: w.otherBooking.ID})
			return ids(bs, func(b parkmate.Booking) int64 { return b.ID }), err
		}, []int64{w.booking.ID}},
		{"my lots", func() ([]int64, error) {
			ls, err := w.svc.Lots(ctx, w.oscar, true, parkmate.Page{})
			return ids(ls, func(l parkmate.Lot) int64 { return l.ID }), err
		}, []int64{w.lot.ID}},
		{"every lot", func() ([]int64, error) {
			ls, err := w.svc.Lots(ctx, w.dana, false, parkmate.Page{})
			return ids(ls, func(l parkmate.Lot) int64 { return l.ID }), err
		}, []int64{w.otherLot.ID, w.lot.ID}},
		{"drivers", func() ([]int64, error) {
			us, err := w.svc.Users(ctx, w.ada, parkmate.RoleDriver, parkmate.Page{})
			return ids(us, func(u parkmate.User) int64 { return u.ID }), err
		}, []int64{w.pat.ID, w.dana.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("%v %v, want %v", got, err, tc.want)
			}
		})
	}
	if _, err := w.svc.Users(ctx, w.ada, "king", parkmate.Page{}); errorOf(err) != invalid {
		t.Fatalf("users of an unknown role: %v", err)
	}
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}
