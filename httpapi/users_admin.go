package httpapi

import (
	"net/http"

	"parkmate"
)

// updateUser is PATCH /api/users/{id}/ ({"role": ...}), admins only. A
// change of role ends every session of the user, on every node.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Role parkmate.Role `json:"role"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	u, err := s.auth.ChangeRole(r.Context(), c.User, id, in.Role)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

// deleteUser is DELETE /api/users/{id}/, admins only: the account is
// marked deleted and every session of it ends, on every node.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.auth.DeleteUser(r.Context(), c.User, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
