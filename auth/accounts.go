package auth

import (
	"context"

	"parkmate"
)

// Account changes take effect at once, on every node: a role change or a
// delete revokes every session of the user in the same transaction, so
// that the user signs in again (and gets the new role) or cannot. The
// revocation reaches the other nodes twice over: this node publishes a
// session-ended message per session (immediate while the broker is up),
// and every node's WatchRevocations finds the revoked sessions within one
// --session-check interval (2 s) in any case. Either closes the sessions'
// sockets with 4401 and evicts them from the session cache.

// ErrOwnAccount is the code of the refusal to change or delete the
// caller's own account, which would let the last admin lock everyone out.
const ErrOwnAccount = "own_account"

func requireAdmin(actor parkmate.User) error {
	if actor.Role != parkmate.RoleAdmin {
		return parkmate.Errorf(parkmate.EFORBIDDEN, "Only an admin may change or delete accounts.")
	}
	return nil
}

func notOwnAccount(actor parkmate.User, id int64) error {
	if id == actor.ID {
		return parkmate.CodedErrorf(parkmate.ECONFLICT, ErrOwnAccount,
			"An admin may not change the role of, or delete, their own account; ask another admin.")
	}
	return nil
}

// ChangeRole sets a user's role; admins only, not on their own account.
// When the role changes, every session of the user ends. It fails with
// EFORBIDDEN, EUNPROCESSABLE (a bad role), ECONFLICT own_account or
// ENOTFOUND (an unknown or deleted user).
func (s *Service) ChangeRole(ctx context.Context, actor parkmate.User, id int64, role parkmate.Role) (parkmate.User, error) {
	if err := requireAdmin(actor); err != nil {
		return parkmate.User{}, err
	}
	if !role.Valid() {
		return parkmate.User{}, parkmate.Errorf(parkmate.EUNPROCESSABLE, "role must be driver, owner, employee or admin.")
	}
	if err := notOwnAccount(actor, id); err != nil {
		return parkmate.User{}, err
	}
	var u parkmate.User
	var ended []string
	err := s.db.Update(ctx, func(tx Tx) (err error) {
		if u, err = tx.UserByID(id); err != nil || u.Role == role {
			return err
		}
		if err = tx.SetUserRole(id, role); err != nil {
			return err
		}
		u.Role = role
		ended, err = tx.RevokeUserSessions(id)
		return err
	})
	if err != nil {
		return parkmate.User{}, err
	}
	s.endSessions(ctx, id, ended)
	s.userChanged(ctx, id, string(u.Role))
	return u, nil
}

// DeleteUser deletes a user and ends every session of theirs; admins only,
// not their own account. The account is kept, marked deleted: its
// bookings, lots and notifications stay, but it cannot sign in, its tokens
// are refused, and lists and publish no longer know it.
func (s *Service) DeleteUser(ctx context.Context, actor parkmate.User, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if err := notOwnAccount(actor, id); err != nil {
		return err
	}
	var ended []string
	err := s.db.Update(ctx, func(tx Tx) (err error) {
		if err = tx.DeleteUser(id); err != nil {
			return err
		}
		ended, err = tx.RevokeUserSessions(id)
		return err
	})
	if err != nil {
		return err
	}
	s.endSessions(ctx, id, ended)
	s.userChanged(ctx, id, "DELETED")
	return nil
}

// endSessions forgets committed revocations here and tells every node.
func (s *Service) endSessions(ctx context.Context, userID int64, ids []string) {
	for _, id := range ids {
		s.cache.forget(id)
		s.notifier.SessionEnded(ctx, userID, id)
	}
}
