package chaos

import (
	"context"
	"time"
)

// runKill is the scenario "node killed mid-burst": publishers go through
// all three nodes, and node A is killed with SIGKILL in the middle, while
// a publish call through it is in flight.
// Once A's database connections are gone (what it committed is final),
// the live sockets on B and C are checked against what was committed, and
// a sample of clients resumes on B. Then A is started again and every
// client it had resumes on it with since, after the highest id it had
// received: its whole history, before and after the kill, is checked.
func (e *env) runKill(ctx context.Context, res *Result) error {
	r, err := e.prepare(ctx, res, e.cfg.Redis)
	if err != nil {
		return err
	}
	defer r.close()
	a, b := r.c.nodes[0], r.c.nodes[1]
	bu := e.startBurst(r.c.nodes)
	if err := sleepCtx(ctx, e.cfg.Warmup); err != nil {
		return err
	}
	busy := bu.waitInflight(a, time.Second) // kill A between a commit and its answer, if it can be done
	fault := time.Now()
	a.Kill()
	e.logf("kill: A killed after %d acknowledged calls, with a call through it in flight: %v", bu.acks(), busy)
	_ = sleepCtx(ctx, e.cfg.Window)
	bu.finish(res)
	if _, err := e.waitGone(ctx, a); err != nil {
		return err
	}
	live := on(r.socks, a, false)
	e.logf("kill: burst over (%d calls, %d failed); checking %d live sockets on B and C", res.Calls, res.CallsFailed, len(live))
	if res.Live, err = r.checkLive(ctx, b, live, bu, fault); err != nil {
		return err
	}
	if res.Resume, err = r.checkResume(ctx, b, r.sample()); err != nil {
		return err
	}
	if res.Committed, err = r.committedCount(ctx); err != nil {
		return err
	}
	restart := time.Now()
	a2, err := r.c.startNode("A2")
	if err != nil {
		return err
	}
	res.Restart = Millis(time.Since(restart))
	dead := on(r.socks, a, true)
	clients := make([]rejoin, len(dead))
	for i, s := range dead {
		prior, _ := s.since(s.from)
		clients[i] = rejoin{u: s.u, after: s.after, prior: prior}
	}
	e.logf("kill: A restarted in %v; %d of its clients resume on it", res.Restart, len(clients))
	rejoined, err := r.checkResume(ctx, a2, clients)
	res.Rejoin = &rejoined
	return err
}
