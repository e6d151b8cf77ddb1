package chaos

import (
	"context"
	"fmt"
	"time"
)

// rejoin is a client that connects again with since: after is the id its
// check starts from, prior what it received after that on the socket it
// had (if any). It resumes after the highest id it has, as the contract
// tells a client to.
type rejoin struct {
	u     *user
	after int64
	prior []arrival
}

// since is the id the client resumes after.
func (j rejoin) since() int64 {
	s := j.after
	for _, a := range j.prior {
		s = max(s, a.id)
	}
	return s
}

// sample returns Config.Sample users, spread over all, resuming from
// before the burst with nothing received since.
func (r *run) sample() []rejoin {
	users := r.e.users
	k := min(r.e.cfg.Sample, len(users))
	out := make([]rejoin, k)
	for i := range out {
		u := users[i*len(users)/k]
		out[i] = rejoin{u: u, after: r.before[u.id]}
	}
	return out
}

// checkResume connects every client on n with since, sends each a marker
// through n once all are connected, and counts, by id, what each got
// (before and after it resumed) against what was committed. Full delivery
// is the longest a client took from its dial to the last frame before its
// marker.
func (r *run) checkResume(ctx context.Context, n *node, clients []rejoin) (Tally, error) {
	t := Tally{Sockets: len(clients)}
	socks := make([]*socket, len(clients))
	dialed := make([]time.Time, len(clients))
	err := forEach(ctx, len(clients), 64, func(ctx context.Context, i int) error {
		j := clients[i]
		dialed[i] = time.Now()
		s, err := dial(ctx, n, j.u, j.u.token, fmt.Sprintf("?since=%d", j.since()))
		if s != nil {
			s.after = j.after
		}
		socks[i] = s
		return err
	})
	defer closeAll(socks)
	if err != nil {
		return t, err
	}
	r.marks++
	markers, acked, err := marker(ctx, n, usersOf(socks), fmt.Sprintf("resume %d", r.marks))
	if err != nil {
		return t, err
	}
	waits := untilMarkers(socks, markers, acked.Add(Bound))
	lo, hi := span(socks, markers)
	want, err := r.e.committed(ctx, ids(usersOf(socks)), lo, hi)
	if err != nil {
		return t, err
	}
	for i, s := range socks {
		w, j := waits[i], clients[i]
		mine := wantFor(want[s.u.id], j.after)
		mine = mine[:len(mine)-countAbove(mine, markers[s.u.id])]
		got := append(append([]arrival(nil), j.prior...), w.before...)
		t.add(compare(j.after, got, mine, !w.found), "resumed socket "+s.name, &r.res.Problems)
		t.addBad(s.badFrames(), "resumed socket "+s.name, &r.res.Problems)
		t.Expected += len(mine)
		t.Delivered += len(got)
		if len(w.before) > 0 {
			t.FullDelivery = max(t.FullDelivery, Millis(w.before[len(w.before)-1].at.Sub(dialed[i])))
		}
		if !w.found {
			t.Closed++
			r.noteEnded(s, markers[s.u.id])
		}
	}
	return t, nil
}
