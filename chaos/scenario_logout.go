package chaos

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// runLogout is the scenario "logout through a cut-off node": a sample of
// users signs in a second time and opens a socket on B with that session
// (B serves the token once, so its session cache is warm). Node A is cut
// from Redis while a burst goes through B and C, and every one of those
// sessions logs out through A at once. The tool times, for each, how long
// B keeps its socket open (it must close with 4401) and keeps answering
// GET /api/me/ with its token (it must answer 401), both within 10 s of
// the logout's start. The users' first sessions must be untouched: every
// live socket is checked as in the other scenarios.
func (e *env) runLogout(ctx context.Context, res *Result) error {
	r, err := e.prepare(ctx, res, e.cfg.Redis)
	if err != nil {
		return err
	}
	defer r.close()
	a, b, c := r.c.nodes[0], r.c.nodes[1], r.c.nodes[2]
	sessions, err := openSessions(ctx, b, r.sample())
	defer func() {
		for _, s := range sessions {
			s.sock.close()
		}
	}()
	if err != nil {
		return err
	}
	bu := e.startBurst([]*node{b, c})
	if err := sleepCtx(ctx, e.cfg.Warmup); err != nil {
		return err
	}
	fault := time.Now()
	a.proxy.Cut()
	e.logf("logout: A cut from Redis; %d sessions log out through A", len(sessions))
	res.Logout = logoutAll(ctx, a, b, sessions)
	_ = sleepCtx(ctx, time.Until(fault.Add(e.cfg.Window)))
	bu.finish(res)
	e.logf("logout: %s", res.Logout)
	if res.Live, err = r.checkLive(ctx, b, r.socks, bu, fault); err != nil {
		return err
	}
	if res.Resume, err = r.checkResume(ctx, c, r.sample()); err != nil {
		return err
	}
	res.Committed, err = r.committedCount(ctx)
	a.proxy.Restore()
	return err
}

// session is a second session of a user, with a socket on B.
type session struct {
	u     *user
	token string
	sock  *socket
	// What its logout found.
	status    int           // of the logout
	answered  time.Duration // logout call start to answer
	closed    time.Duration // logout call start to the socket's close
	close     closeInfo
	refused   time.Duration // logout call start to B's first 401
	refusedOK bool
}

// openSessions signs each client's user in again through b, opens a
// socket on b with the new session and has b serve its token once.
func openSessions(ctx context.Context, b *node, clients []rejoin) ([]*session, error) {
	out := make([]*session, len(clients))
	err := forEach(ctx, len(clients), 32, func(ctx context.Context, i int) error {
		u := clients[i].u
		token, err := login(ctx, b, u)
		if err != nil {
			return err
		}
		sock, err := dial(ctx, b, u, token, "")
		if err != nil {
			return err
		}
		out[i] = &session{u: u, token: token, sock: sock}
		return mustCall(ctx, b, "GET", "/api/me/", bearer(token), nil, nil, http.StatusOK)
	})
	return slices.DeleteFunc(out, func(s *session) bool { return s == nil }), err
}

// logoutAll logs every session out through a, all at once, and waits for
// each until b has closed its socket and answers 401 to its token, or
// giveUp passes.
func logoutAll(ctx context.Context, a, b *node, sessions []*session) *LogoutStats {
	var wg sync.WaitGroup
	for _, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.logout(ctx, a, b)
		}()
	}
	wg.Wait()
	return tallyLogouts(sessions)
}

func (s *session) logout(ctx context.Context, a, b *node) {
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, requestTimeout)
	s.status, _ = call(cctx, a, "POST", "/api/auth/logout/", bearer(s.token), nil, nil)
	cancel()
	s.answered = time.Since(start)
	until := start.Add(giveUp)
	for time.Now().Before(until) && ctx.Err() == nil {
		if ci, at, ended := s.sock.state(); ended && s.closed == 0 {
			s.close, s.closed = ci, at.Sub(start)
		}
		if !s.refusedOK {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			status, _ := call(cctx, b, "GET", "/api/me/", bearer(s.token), nil, nil)
			cancel()
			if status == http.StatusUnauthorized {
				s.refused, s.refusedOK = time.Since(start), true
			}
		}
		if s.closed > 0 && s.refusedOK {
			return
		}
		time.Sleep(logoutPoll)
	}
}

// logoutPoll is how often a session's socket and token are looked at
// after its logout: a hundred sessions make 500 requests a second to B.
const logoutPoll = 200 * time.Millisecond

// LogoutStats is what the logouts through the cut node found. Times run
// from the start of each logout call.
type LogoutStats struct {
	Sessions    int    `json:"sessions"`
	Answered204 int    `json:"answered_204"`
	AnswerMax   Millis `json:"answer_max_ms"`
	Closed4401  int    `json:"closed_4401"`
	OtherClose  int    `json:"closed_otherwise"`
	StillOpen   int    `json:"still_open"` // after 30 s
	CloseP50    Millis `json:"close_p50_ms"`
	CloseMax    Millis `json:"close_max_ms"`
	Refused401  int    `json:"refused_401"`
	RefuseP50   Millis `json:"refuse_p50_ms"`
	RefuseMax   Millis `json:"refuse_max_ms"`
}

func tallyLogouts(sessions []*session) *LogoutStats {
	st := &LogoutStats{Sessions: len(sessions)}
	var closes, refusals []time.Duration
	for _, s := range sessions {
		if s.status == http.StatusNoContent {
			st.Answered204++
		}
		st.AnswerMax = max(st.AnswerMax, Millis(s.answered))
		switch {
		case s.closed == 0:
			st.StillOpen++
		case s.close.code == 4401:
			st.Closed4401++
			closes = append(closes, s.closed)
		default:
			st.OtherClose++
		}
		if s.refusedOK {
			st.Refused401++
			refusals = append(refusals, s.refused)
		}
	}
	st.CloseP50, st.CloseMax = median(closes), maxOf(closes)
	st.RefuseP50, st.RefuseMax = median(refusals), maxOf(refusals)
	return st
}

func (st *LogoutStats) ok() bool {
	n := st.Sessions
	return n > 0 && st.Answered204 == n && st.Closed4401 == n && st.Refused401 == n &&
		time.Duration(st.CloseMax) <= Bound && time.Duration(st.RefuseMax) <= Bound
}

func (st *LogoutStats) String() string {
	return fmt.Sprintf("%d logouts through the cut node: %d answered 204 (slowest %v); on B, %d sockets closed 4401 "+
		"(median %v, max %v), %d otherwise, %d still open; %d tokens refused 401 (median %v, max %v)",
		st.Sessions, st.Answered204, st.AnswerMax, st.Closed4401, st.CloseP50, st.CloseMax, st.OtherClose,
		st.StillOpen, st.Refused401, st.RefuseP50, st.RefuseMax)
}

func median(d []time.Duration) Millis {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return Millis(d[len(d)/2])
}

func maxOf(d []time.Duration) Millis {
	if len(d) == 0 {
		return 0
	}
	return Millis(slices.Max(d))
}
