package parkmate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"parkmate"
)

func TestGroupsOf(t *testing.T) {
	for _, tc := range []struct {
		role parkmate.Role
		want []string
	}{
		{parkmate.RoleDriver, []string{"all", "role:driver"}},
		{parkmate.RoleOwner, []string{"all", "role:owner"}},
		{parkmate.RoleEmployee, []string{"all", "role:employee"}},
		{parkmate.RoleAdmin, []string{"all", "role:admin"}},
	} {
		if got := parkmate.GroupsOf(tc.role); !slices.Equal(got, tc.want) || !tc.role.Valid() {
			t.Errorf("%s: %v, want %v", tc.role, got, tc.want)
		}
	}
	if parkmate.Role("king").Valid() || parkmate.Role("").Valid() || parkmate.Level("loud").Valid() || !parkmate.LevelError.Valid() {
		t.Fatal("validity")
	}
}

func TestPageSize(t *testing.T) {
	for limit, want := range map[int]int{0: parkmate.DefaultPageSize, -1: parkmate.DefaultPageSize, 1: 1, 200: 200} {
		if got := (parkmate.Page{Limit: limit}).Size(); got != want {
			t.Errorf("limit %d: size %d, want %d", limit, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	plain := parkmate.Errorf(parkmate.ENOTFOUND, "Lot %d not found.", 7)
	coded := parkmate.CodedErrorf(parkmate.ECONFLICT, "slot_taken", "This slot is already booked.")
	wrapped := fmt.Errorf("booking: %w", coded)
	for _, tc := range []struct {
		err        error
		kind, code string
	}{
		{plain, parkmate.ENOTFOUND, parkmate.ENOTFOUND},
		{wrapped, parkmate.ECONFLICT, "slot_taken"},
		{errors.New("disk on fire"), parkmate.EINTERNAL, ""},
	} {
		var pe *parkmate.Error
		if parkmate.ErrorKind(tc.err) != tc.kind || (errors.As(tc.err, &pe) && pe.ErrorCode() != tc.code) {
			t.Errorf("%v: kind %s", tc.err, parkmate.ErrorKind(tc.err))
		}
	}
	if plain.Message != "Lot 7 not found." || coded.Error() != "This slot is already booked." {
		t.Fatalf("%q / %q", plain.Message, coded.Error())
	}
	// Errors read as sentences wherever they are printed (the command
	// line prints err.Error()), never as kind=... code=... fields.
	if got := wrapped.Error(); got != "booking: This slot is already booked." {
		t.Fatalf("wrapped: %q", got)
	}
	if got := (&parkmate.Error{Kind: parkmate.ERATELIMITED}).Error(); got != "rate limited" {
		t.Fatalf("without a message: %q", got)
	}
}

func TestOneOfListsChoicesAsASentence(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"full"}, "full"},
		{[]string{"CASH", "ONLINE"}, "CASH or ONLINE"},
		{parkmate.CarWashServices(), "exterior, interior or full"},
	} {
		if got := parkmate.OneOf(tc.in); got != tc.want {
			t.Errorf("OneOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := parkmate.OneOf(parkmate.PaymentStatuses()); got != "PENDING, VERIFIED or FAILED" {
		t.Errorf("payment statuses: %q", got)
	}
}

func TestPaymentAmountIsANumberOfUnits(t *testing.T) {
	raw, err := json.Marshal(parkmate.Payment{ID: 1, AmountCents: 1250, Method: parkmate.PaymentCash})
	var p map[string]any
	if err != nil || json.Unmarshal(raw, &p) != nil || p["amount"] != 12.5 || p["AmountCents"] != nil {
		t.Fatalf("%s %v", raw, err)
	}
}

func TestCarWashServices(t *testing.T) {
	s := parkmate.CarWashServices()
	s[0] = "polish"
	if got := parkmate.CarWashServices(); !slices.Equal(got, []string{"exterior", "interior", "full"}) {
		t.Fatalf("services %v after changing a copy", got)
	}
}

// TestInGroupMatchesGroupsOf: InGroup agrees with GroupsOf for every role
// and every key, stored or not, and does not allocate.
func TestInGroupMatchesGroupsOf(t *testing.T) {
	roles := []parkmate.Role{parkmate.RoleDriver, parkmate.RoleOwner, parkmate.RoleEmployee, parkmate.RoleAdmin}
	groups := []string{parkmate.GroupAll, "role:", "role:admins", "role:drive", "admin", "", "all ", "lot:1:staff", "roles:driver"}
	for _, r := range roles {
		groups = append(groups, parkmate.RoleGroup(r))
	}
	for _, r := range roles {
		for _, g := range groups {
			if got, want := parkmate.InGroup(r, g), slices.Contains(parkmate.GroupsOf(r), g); got != want {
				t.Errorf("InGroup(%s, %q) = %t, want %t", r, g, got, want)
			}
		}
	}
	var in bool
	if n := testing.AllocsPerRun(100, func() { in = parkmate.InGroup(parkmate.RoleAdmin, "role:admin") }); n != 0 || !in {
		t.Errorf("InGroup allocates %v times", n)
	}
}
