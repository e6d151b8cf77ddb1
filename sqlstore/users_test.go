package sqlstore_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"parkmate"
	"parkmate/sqlstore"
)

// TestAccountChanges: on both engines, a role change and a soft delete
// behave as package auth expects, and a deleted user is absent from every
// lookup and list but still referenced where it was.
func TestAccountChanges(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			t.Cleanup(func() { db.Close() })
			dana := mustUser(t, db, "dana", parkmate.RoleDriver)
			pat := mustUser(t, db, "pat", parkmate.RoleDriver)
			checkRoleChangeEndsSessions(t, db, dana, pat)
			checkDeletedUser(t, db, dana, pat)
		})
	}
}

// mustNil stops the test on err.
func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkRoleChangeEndsSessions: changing dana's role and revoking her
// sessions ends her live session only, and leaves pat's.
func checkRoleChangeEndsSessions(t *testing.T, db *sqlstore.DB, dana, pat parkmate.User) {
	t.Helper()
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	since := time.Now().Add(-time.Minute)
	mustNil(t, db.Update(ctx, func(tx *sqlstore.Tx) error {
		for _, s := range []parkmate.Session{{ID: "d1", UserID: dana.ID, ExpiresAt: exp},
			{ID: "d2", UserID: dana.ID, ExpiresAt: exp}, {ID: "p1", UserID: pat.ID, ExpiresAt: exp}} {
			if err := tx.CreateSession(s); err != nil {
				return err
			}
		}
		return tx.RevokeSession("d2")
	}))
	var ended []string
	mustNil(t, db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
		if err = tx.SetUserRole(dana.ID, parkmate.RoleOwner); err != nil {
			return err
		}
		ended, err = tx.RevokeUserSessions(dana.ID)
		return err
	}))
	if !slices.Equal(ended, []string{"d1"}) {
		t.Fatalf("revoked %v, want d1 (d2 had ended already)", ended)
	}
	mustNil(t, db.View(ctx, func(tx *sqlstore.Tx) error {
		u, err := tx.UserByID(dana.ID)
		if err != nil || u.Role != parkmate.RoleOwner {
			t.Fatalf("after the change: %+v %v", u, err)
		}
		if s, _, _ := tx.SessionByID("p1"); s.RevokedAt != nil {
			t.Fatal("another user's session ended")
		}
		revoked, err := tx.SessionsRevokedSince(since)
		if len(revoked) != 2 || err != nil {
			t.Fatalf("revoked since: %v %v", revoked, err)
		}
		return nil
	}))
}

// checkDeletedUser: once deleted, dana is absent from every lookup and
// list, cannot be changed or deleted again, and keeps her name taken.
func checkDeletedUser(t *testing.T, db *sqlstore.DB, dana, pat parkmate.User) {
	t.Helper()
	mustNil(t, db.Update(ctx, func(tx *sqlstore.Tx) error { return tx.DeleteUser(dana.ID) }))
	for name, fn := range map[string]func(*sqlstore.Tx) error{
		"delete twice": func(tx *sqlstore.Tx) error { return tx.DeleteUser(dana.ID) },
		"change":       func(tx *sqlstore.Tx) error { return tx.SetUserRole(dana.ID, parkmate.RoleAdmin) },
		"unknown":      func(tx *sqlstore.Tx) error { return tx.SetUserRole(999, parkmate.RoleAdmin) },
		"by id":        func(tx *sqlstore.Tx) error { _, err := tx.UserByID(dana.ID); return err },
	} {
		if err := db.Update(ctx, fn); parkmate.ErrorKind(err) != parkmate.ENOTFOUND {
			t.Errorf("%s of a deleted user: %v, want not found", name, err)
		}
	}
	mustNil(t, db.View(ctx, func(tx *sqlstore.Tx) error {
		if _, ok, err := tx.UserByUsername("DANA"); ok || err != nil {
			t.Errorf("found by name: %v %v", ok, err)
		}
		if ex, err := tx.ExistingUsers([]int64{dana.ID, pat.ID}); err != nil || ex[dana.ID] || !ex[pat.ID] {
			t.Errorf("existing: %v %v", ex, err)
		}
		us, err := tx.Users("", parkmate.Page{Limit: 50})
		if err != nil || len(us) != 1 || us[0].ID != pat.ID {
			t.Errorf("list: %+v %v", us, err)
		}
		return nil
	}))
	err := db.Update(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.CreateUser(parkmate.User{Username: "Dana", Role: parkmate.RoleDriver, PasswordHash: "x"})
		return err
	})
	var pe *parkmate.Error
	if !errors.As(err, &pe) || pe.ErrorCode() != "username_taken" {
		t.Errorf("the name of a deleted user: %v", err)
	}
}
