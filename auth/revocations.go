package auth

import (
	"context"
	"log/slog"
	"time"
)

// DefaultRevocationCheck is how often WatchRevocations asks the database.
const DefaultRevocationCheck = 2 * time.Second

// revocationLookback is how far before its previous check each check looks,
// so that a revocation committed late, or stamped by a node whose clock is
// a little behind, is still seen.
const revocationLookback = time.Minute

// WatchRevocations asks the database every interval which sessions were
// revoked since the previous check, by any node, and for each one it has
// not seen yet forgets it and calls ended (which closes its sockets with
// 4401), until ctx ends. This is what enforces a logout on every node when
// the broker lost the session-ended message: no node honours an ended
// session for longer than about one interval. One query per node per
// interval, whatever the number of sockets.
func (s *Service) WatchRevocations(ctx context.Context, interval time.Duration, log *slog.Logger, ended func(userID int64, sessionID string)) {
	if interval <= 0 {
		interval = DefaultRevocationCheck
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	seen := map[string]time.Time{}
	prev := s.clock.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.clock.Now()
		since := prev.Add(-revocationLookback)
		var revoked []sessionRef
		err := s.db.View(ctx, func(tx Tx) error {
			list, err := tx.SessionsRevokedSince(since)
			for _, r := range list {
				revoked = append(revoked, sessionRef{r.UserID, r.ID})
			}
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("check revoked sessions", "err", err)
			}
			continue
		}
		for _, r := range revoked {
			if _, ok := seen[r.id]; ok {
				continue
			}
			seen[r.id] = now
			s.cache.forget(r.id)
			ended(r.userID, r.id)
		}
		for id, at := range seen {
			if at.Before(since) {
				delete(seen, id)
			}
		}
		prev = now
	}
}

type sessionRef struct {
	userID int64
	id     string
}
