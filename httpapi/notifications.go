package httpapi

import (
	"net/http"

	"parkmate"
)

func (s *Server) notifications(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	since, hasSince, err := queryInt(r, "since", 1<<62)
	if err != nil {
		return err
	}
	items, err := s.parking.Inbox(r.Context(), c.User, parkmate.InboxQuery{Since: since, HasSince: hasSince, Page: p})
	if err != nil {
		return err
	}
	// Newest first, pass next as before=; oldest first (since=), as since=.
	s.writeJSON(w, http.StatusOK, newList(items, p, func(n parkmate.InboxItem) int64 { return n.ID }))
	return nil
}

func (s *Server) unreadCount(w http.ResponseWriter, r *http.Request, c caller) error {
	n, err := s.parking.UnreadCount(r.Context(), c.User)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, map[string]int{"count": n})
	return nil
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	it, err := s.parking.MarkRead(r.Context(), c.User, id)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, it)
	return nil
}

func (s *Server) markAllRead(w http.ResponseWriter, r *http.Request, c caller) error {
	n, upTo, err := s.parking.MarkAllRead(r.Context(), c.User)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, map[string]int64{"updated": int64(n), "up_to": upTo})
	return nil
}
