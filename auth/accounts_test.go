package auth_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"parkmate"
	"parkmate/auth"
)

// TestAccountChangeRules: who may change or delete which account, and
// what each refusal is.
func TestAccountChangeRules(t *testing.T) {
	f := newFixture(t)
	ada, _ := f.svc.CreateUser(ctx, "ada", "long-enough", parkmate.RoleAdmin)
	root, _ := f.svc.CreateUser(ctx, "root", "long-enough", parkmate.RoleAdmin)
	dana, _ := f.svc.Register(ctx, "dana", "long-enough")
	oscar, _ := f.svc.CreateUser(ctx, "oscar", "long-enough", parkmate.RoleOwner)
	boss, _ := f.svc.CreateUser(ctx, "boss", "long-enough", parkmate.RoleAdmin)
	gone, _ := f.svc.Register(ctx, "gone", "long-enough")
	if err := f.svc.DeleteUser(ctx, ada, gone.ID); err != nil {
		t.Fatal(err)
	}
	const (
		forbidden = parkmate.EFORBIDDEN
		invalid   = parkmate.EUNPROCESSABLE
		own       = parkmate.ECONFLICT + "/" + auth.ErrOwnAccount
		notFound  = parkmate.ENOTFOUND
	)
	for _, tc := range []struct {
		name  string
		actor parkmate.User
		id    int64
		role  parkmate.Role
		err   string
	}{
		{"a driver changes a role", dana, oscar.ID, parkmate.RoleAdmin, forbidden},
		{"a driver promotes themselves", dana, dana.ID, parkmate.RoleAdmin, forbidden},
		{"an owner changes a role", oscar, dana.ID, parkmate.RoleOwner, forbidden},
		{"a forbidden caller with a bad role", oscar, dana.ID, "king", forbidden},
		{"an unknown role", ada, dana.ID, "king", invalid},
		{"no role", ada, dana.ID, "", invalid},
		{"an admin demotes themselves", ada, ada.ID, parkmate.RoleDriver, own},
		{"an admin keeps their own role", ada, ada.ID, parkmate.RoleAdmin, own},
		{"an unknown user", ada, 999, parkmate.RoleDriver, notFound},
		{"a deleted user", ada, gone.ID, parkmate.RoleDriver, notFound},
		{"an admin demotes another", ada, root.ID, parkmate.RoleOwner, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := f.svc.ChangeRole(ctx, tc.actor, tc.id, tc.role)
			if got := errorOf(err); got != tc.err {
				t.Fatalf("change: %q (%v), want %q", got, err, tc.err)
			}
			if err == nil && (u.ID != tc.id || u.Role != tc.role) {
				t.Fatalf("changed to %+v", u)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		actor parkmate.User
		id    int64
		err   string
	}{
		{"a driver deletes", dana, oscar.ID, forbidden},
		{"an owner deletes", oscar, dana.ID, forbidden},
		{"an admin deletes themselves", ada, ada.ID, own},
		{"an unknown user", ada, 999, notFound},
		{"a user already deleted", ada, gone.ID, notFound},
		{"an admin deletes a driver", ada, dana.ID, ""},
		{"an admin deletes another admin", ada, boss.ID, ""},
	} {
		t.Run("delete: "+tc.name, func(t *testing.T) {
			err := f.svc.DeleteUser(ctx, tc.actor, tc.id)
			if got := errorOf(err); got != tc.err {
				t.Fatalf("delete: %q (%v), want %q", got, err, tc.err)
			}
		})
	}
}

// TestRoleChangeEndsEverySession: a new role ends every session of the
// user at once, here and (through the notifier and the revocation check)
// on every node; the user signs in again and has the new role.
func TestRoleChangeEndsEverySession(t *testing.T) {
	f := newFixture(t)
	ada, _ := f.svc.CreateUser(ctx, "ada", "long-enough", parkmate.RoleAdmin)
	root, _ := f.svc.CreateUser(ctx, "root", "long-enough", parkmate.RoleAdmin)
	tok1, s1, _, _ := f.svc.Login(ctx, "root", "long-enough")
	tok2, s2, _, _ := f.svc.Login(ctx, "root", "long-enough")
	adaTok, _, _, _ := f.svc.Login(ctx, "ada", "long-enough")
	for _, tok := range []string{tok1, tok2, adaTok} { // cached now
		if _, _, err := f.svc.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	since := f.clock.Now()
	u, err := f.svc.ChangeRole(ctx, ada, root.ID, parkmate.RoleDriver)
	if err != nil || u.Role != parkmate.RoleDriver {
		t.Fatalf("change: %+v %v", u, err)
	}
	got := f.ended.all()
	slices.Sort(got)
	want := []string{fmt.Sprintf("%d/%s", root.ID, s1.ID), fmt.Sprintf("%d/%s", root.ID, s2.ID)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("ended %v, want %v", got, want)
	}
	for _, tok := range []string{tok1, tok2} { // at once, the cache notwithstanding
		if _, _, err := f.svc.Authenticate(ctx, tok); err == nil || err.(*parkmate.Error).Message != msgEnded {
			t.Fatalf("old token after the change: %v", err)
		}
	}
	if u, _, err := f.svc.Authenticate(ctx, adaTok); err != nil || u.Role != parkmate.RoleAdmin {
		t.Fatalf("another user's session: %+v %v", u, err)
	}
	var revoked []parkmate.Session // what every node's revocation check finds
	f.store.View(ctx, func(tx auth.Tx) (err error) {
		revoked, err = tx.SessionsRevokedSince(since)
		return err
	})
	if len(revoked) != 2 {
		t.Fatalf("revoked since the change: %v", revoked)
	}
	tok, _, u, err := f.svc.Login(ctx, "root", "long-enough")
	if err != nil || u.Role != parkmate.RoleDriver {
		t.Fatalf("sign-in after the change: %+v %v", u, err)
	}
	if u, _, err := f.svc.Authenticate(ctx, tok); err != nil || u.Role != parkmate.RoleDriver {
		t.Fatalf("new token: %+v %v", u, err)
	}

	// Setting the role a user has already ends nothing.
	before := len(f.ended.all())
	if _, err := f.svc.ChangeRole(ctx, ada, root.ID, parkmate.RoleDriver); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(ctx, tok); err != nil || len(f.ended.all()) != before {
		t.Fatalf("an unchanged role ended a session: %v", err)
	}

	// A failed change ends nothing and tells no one.
	f.ended.takeLive()
	f.store.setFail(errors.New("disk on fire"))
	if _, err := f.svc.ChangeRole(ctx, ada, root.ID, parkmate.RoleOwner); err == nil || len(f.ended.all()) != before {
		t.Fatalf("failed change: %v, ended %v", err, f.ended.all())
	}
	if got := f.ended.takeLive(); len(got) != 0 {
		t.Fatalf("a failed change told admins' screens %q", got)
	}
}

// TestDeleteUser: a deleted user's sessions end, their token is refused,
// they cannot sign in, and their username stays taken.
func TestDeleteUser(t *testing.T) {
	f := newFixture(t)
	ada, _ := f.svc.CreateUser(ctx, "ada", "long-enough", parkmate.RoleAdmin)
	dana, _ := f.svc.Register(ctx, "dana", "long-enough")
	tok, sess, _, _ := f.svc.Login(ctx, "dana", "long-enough")
	if _, _, err := f.svc.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(time.Second)
	want := []string{fmt.Sprintf("user %d admin admins=true", ada.ID), fmt.Sprintf("user %d driver admins=true", dana.ID)}
	if got := f.ended.takeLive(); !slices.Equal(got, want) {
		t.Fatalf("admins' screens heard %q, want %q", got, want)
	}
	if err := f.svc.DeleteUser(ctx, ada, dana.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.ended.all(); len(got) != 1 || got[0] != fmt.Sprintf("%d/%s", dana.ID, sess.ID) {
		t.Fatalf("ended %v", got)
	}
	if got, want := f.ended.takeLive(), []string{fmt.Sprintf("user %d DELETED admins=true", dana.ID)}; !slices.Equal(got, want) {
		t.Fatalf("admins' screens heard %q, want %q", got, want)
	}
	if _, _, err := f.svc.Authenticate(ctx, tok); err == nil || err.(*parkmate.Error).Message != msgGone {
		t.Fatalf("token after delete: %v", err)
	}
	if _, _, _, err := f.svc.Login(ctx, "dana", "long-enough"); errorOf(err) != parkmate.EUNAUTHENTICATED+"/invalid_credentials" {
		t.Fatalf("sign-in after delete: %v", err)
	}
	if _, err := f.svc.Register(ctx, "Dana", "long-enough"); errorOf(err) != parkmate.ECONFLICT+"/username_taken" {
		t.Fatalf("the name of a deleted user: %v", err)
	}
}
