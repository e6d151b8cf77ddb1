package chaos

import (
	"context"
	"fmt"
	"time"
)

// run is one scenario under way: its cluster, its sockets (one per user
// per node) and its result.
type run struct {
	e      *env
	c      *cluster
	res    *Result
	socks  []*socket
	before map[int64]int64 // by user: the id every socket had passed before the burst
	marks  int             // markers sent, to label them
}

// prepare starts the scenario's cluster against redisURL, opens every
// user's socket on every node and checks with a marker that they all
// receive.
func (e *env) prepare(ctx context.Context, res *Result, redisURL string) (*run, error) {
	c, err := e.startCluster(res.Scenario, redisURL)
	if err != nil {
		return nil, err
	}
	r := &run{e: e, c: c, res: res}
	if err := e.ensureUsers(ctx, c.nodes[0]); err != nil {
		c.close()
		return nil, err
	}
	start := time.Now()
	r.socks, err = openSockets(ctx, c.nodes, e.users)
	if err != nil {
		c.close()
		return nil, err
	}
	e.logf("%s: %d sockets open on %d nodes in %v", res.Scenario, len(r.socks), Nodes, time.Since(start).Round(time.Millisecond))
	res.Nodes, res.Users, res.Sockets = Nodes, len(e.users), len(r.socks)
	if err := r.baseline(ctx, c.nodes[1]); err != nil {
		r.close()
		return nil, err
	}
	r.before = map[int64]int64{}
	for _, s := range r.socks {
		r.before[s.u.id] = s.after
	}
	return r, nil
}

// close closes the sockets and stops the cluster.
func (r *run) close() {
	closeAll(r.socks)
	r.c.close()
}

// baseline sends a marker through via and waits until every socket has
// it: the marker is where the checks start.
func (r *run) baseline(ctx context.Context, via *node) error {
	users := usersOf(r.socks)
	markers, acked, err := marker(ctx, via, users, "baseline")
	if err != nil {
		return err
	}
	waits := untilMarkers(r.socks, markers, acked.Add(Bound))
	for i, s := range r.socks {
		w := waits[i]
		if !w.found || len(w.before) > 0 {
			ci, _, _ := s.state()
			return fmt.Errorf("socket %s before any fault: marker found %v, %d frames before it, socket ended: %v",
				s.name, w.found, len(w.before), ci)
		}
		s.from, s.after = w.next, markers[s.u.id]
	}
	return nil
}

// checkLive waits until every socket of socks has every notification of
// its user committed since its place (or giveUp passes), then proves
// absence with a marker through via, which must be the next frame, and
// counts, by id, what each socket got against what was committed. Delays
// count from the start of the publish call of b that committed an id, or
// from fault; full delivery from fault. The markers become the sockets'
// new places.
func (r *run) checkLive(ctx context.Context, via *node, socks []*socket, b *burst, fault time.Time) (Tally, error) {
	t := Tally{Sockets: len(socks)}
	if err := r.e.waitFull(ctx, socks); err != nil {
		return t, err
	}
	r.marks++
	markers, acked, err := marker(ctx, via, usersOf(socks), fmt.Sprintf("live %d", r.marks))
	if err != nil {
		return t, err
	}
	waits := untilMarkers(socks, markers, acked.Add(Bound))
	lo, hi := span(socks, markers)
	want, err := r.e.committed(ctx, ids(usersOf(socks)), lo, hi)
	if err != nil {
		return t, err
	}
	var delays []time.Duration
	var last time.Time
	for i, s := range socks {
		w := waits[i]
		mine := wantFor(want[s.u.id], s.after)
		mine = mine[:len(mine)-countAbove(mine, markers[s.u.id])]
		cmp := compare(s.after, w.before, mine, !w.found)
		t.add(cmp, "live socket "+s.name, &r.res.Problems)
		t.addBad(s.badFrames(), "live socket "+s.name, &r.res.Problems)
		t.Expected += len(mine)
		t.Delivered += len(w.before)
		for id, at := range cmp.ok {
			delays = append(delays, at.Sub(b.since(id, fault)))
			if at.After(last) {
				last = at
			}
		}
		if !w.found {
			t.Closed++
			r.noteEnded(s, markers[s.u.id])
			continue
		}
		s.from, s.after = w.next, markers[s.u.id]
	}
	t.delays(delays)
	if last.After(fault) {
		t.FullDelivery = Millis(last.Sub(fault))
	}
	if b != nil && last.After(b.stopped()) {
		t.Drained = Millis(last.Sub(b.stopped()))
	}
	return t, nil
}

// countAbove returns how many ids (ascending) are at or above m.
func countAbove(ids []int64, m int64) int {
	n := 0
	for i := len(ids) - 1; i >= 0 && ids[i] >= m; i-- {
		n++
	}
	return n
}

// noteEnded records a socket that did not get its marker.
func (r *run) noteEnded(s *socket, m int64) {
	if len(r.res.Problems) >= maxProblems {
		return
	}
	if ci, at, ended := s.state(); ended {
		r.res.Problems = append(r.res.Problems, fmt.Sprintf("socket %s ended at %s with close %v before its marker %d",
			s.name, at.Format("15:04:05.000"), ci, m))
		return
	}
	r.res.Problems = append(r.res.Problems, fmt.Sprintf("socket %s: marker %d did not arrive within %v", s.name, m, Bound))
}

// committedCount returns how many notifications the burst committed:
// those after the baseline and before the first check's markers, markers
// apart.
func (r *run) committedCount(ctx context.Context) (int, error) {
	lo := int64(1 << 62)
	for _, id := range r.before {
		lo = min(lo, id)
	}
	var n int
	err := r.e.db.QueryRowContext(ctx,
		`SELECT count(*) FROM notifications WHERE id > $1 AND event = 'chaos.burst'`, lo).Scan(&n)
	return n, err
}
