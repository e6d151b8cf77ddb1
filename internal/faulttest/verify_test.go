package faulttest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// inbox is one user's live sockets and the last id all of them have seen.
type inbox struct {
	u       *user
	after   int64
	sockets []*socket
}

// deadlines says by when each committed id must reach a live socket.
type deadlines struct {
	due       map[int64]time.Time // acknowledged ids
	otherwise time.Time           // committed ids nobody acknowledged
}

func (d deadlines) of(id int64) time.Time {
	if at, ok := d.due[id]; ok {
		return at
	}
	return d.otherwise
}

// checkLive checks, for each inbox, that every socket got every
// notification of its user committed after in.after, each by its
// deadline, exactly once and in increasing order. Absence is proven with
// a marker to each user, published through via in one call: it must be
// the next frame. The markers become the inboxes' new in.after.
func (c *cluster) checkLive(t *testing.T, via *node, inboxes []*inbox, d deadlines) {
	t.Helper()
	got := make([][][]arrival, len(inboxes))
	users := make([]*user, len(inboxes))
	for i, in := range inboxes {
		users[i] = in.u
		got[i] = make([][]arrival, len(in.sockets))
		for j, s := range in.sockets {
			got[i][j] = c.collect(t, s, in, d)
		}
	}
	markers, acked := marker(t, via, users, "live")
	for i, in := range inboxes {
		for j, s := range in.sockets {
			rest, err := untilMarker(s, markers[i], acked.Add(bound))
			got[i][j] = append(got[i][j], rest...)
			if err != nil {
				t.Errorf("socket %s: marker %d (published through %s) did not arrive within %v: %v", s.name, markers[i], via.Name, bound, err)
			}
		}
		want := c.committed(in.u, in.after, markers[i])
		for j, s := range in.sockets {
			report(t, "live socket "+s.name, in.after, got[i][j], want, d)
		}
		in.after = markers[i]
	}
}

// collect reads s until every notification of in.u committed after
// in.after has arrived, or the deadline of every missing one has passed.
func (c *cluster) collect(t *testing.T, s *socket, in *inbox, d deadlines) []arrival {
	t.Helper()
	var got []arrival
	seen := map[int64]bool{}
	want := c.committed(in.u, in.after, 0)
	for {
		until := time.Time{}
		for _, id := range want {
			if !seen[id] && d.of(id).After(until) {
				until = d.of(id)
			}
		}
		if until.IsZero() { // all arrived: anything committed meanwhile?
			if want = c.committed(in.u, in.after, 0); allSeen(want, seen) {
				return got
			}
			continue
		}
		a, err := s.next(minTime(until, time.Now().Add(250*time.Millisecond)))
		switch {
		case errors.Is(err, errTimeout):
			if time.Now().After(until) {
				return got
			}
			want = c.committed(in.u, in.after, 0)
		case err != nil:
			t.Errorf("waiting for notifications: %v", err)
			return got
		default:
			got = append(got, a)
			seen[a.ID] = true
		}
	}
}

// checkResume opens a socket for u on n with since=after and checks that
// it replays exactly the notifications committed after after, in order,
// then delivers a marker published once it is open.
func (c *cluster) checkResume(t *testing.T, n *node, u *user, after int64) {
	t.Helper()
	s := dial(t, n, u, u.token, fmt.Sprintf("?since=%d", after))
	s.name += fmt.Sprintf("?since=%d", after)
	ms, acked := marker(t, n, []*user{u}, "resume")
	m := ms[0]
	got, err := untilMarker(s, m, acked.Add(bound))
	if err != nil {
		t.Errorf("resumed socket %s: marker %d did not arrive within %v: %v", s.name, m, bound, err)
	}
	report(t, "resumed socket "+s.name, after, got, c.committed(u, after, m), deadlines{otherwise: acked.Add(bound)})
}

// untilMarker reads s until the frame with id m and returns the frames
// before it.
func untilMarker(s *socket, m int64, until time.Time) ([]arrival, error) {
	var got []arrival
	for {
		a, err := s.next(until)
		if err != nil {
			return got, err
		}
		if a.ID == m {
			return got, nil
		}
		got = append(got, a)
	}
}

// report fails the test for each way got differs from want: an id
// missing, duplicated, out of order, not committed, or late.
func report(t testing.TB, what string, after int64, got []arrival, want []int64, d deadlines) {
	t.Helper()
	checkFrames(t, what, got)
	wanted := map[int64]bool{}
	for _, id := range want {
		wanted[id] = true
	}
	count := map[int64]int{}
	var dup, disorder, again, unexpected, late []int64
	var worst time.Duration
	for i, a := range got {
		count[a.ID]++
		switch {
		case count[a.ID] == 2:
			dup = append(dup, a.ID)
		case count[a.ID] > 2:
		case a.ID <= after:
			again = append(again, a.ID)
		case !wanted[a.ID]:
			unexpected = append(unexpected, a.ID)
		case a.at.After(d.of(a.ID)):
			late = append(late, a.ID)
			worst = max(worst, a.at.Sub(d.of(a.ID)))
		}
		if i > 0 && a.ID < got[i-1].ID {
			disorder = append(disorder, a.ID)
		}
	}
	var missing []int64
	for _, id := range want {
		if count[id] == 0 {
			missing = append(missing, id)
		}
	}
	problem := func(ids []int64, format string, args ...any) {
		if len(ids) > 0 {
			t.Errorf("%s: "+format+": %s", append(append([]any{what}, args...), short(ids))...)
		}
	}
	problem(missing, "%d of %d committed ids never arrived", len(missing), len(want))
	problem(dup, "%d ids arrived more than once", len(dup))
	problem(disorder, "%d ids arrived after a larger id", len(disorder))
	problem(again, "%d ids arrived at or below id %d, which the socket had already passed (repeated or very late)", len(again), after)
	problem(unexpected, "%d ids arrived that are not committed notifications of the user", len(unexpected))
	problem(late, "%d ids arrived later than %v after they were due (worst by %v)", len(late), bound, worst.Round(time.Millisecond))
}

// checkFrames fails the test for a frame that is not a notification frame
// as the contract defines it.
func checkFrames(t testing.TB, what string, got []arrival) {
	t.Helper()
	for _, a := range got {
		_, err := time.Parse(time.RFC3339, a.CreatedAt)
		level := a.Type == "success" || a.Type == "error" || a.Type == "warning" || a.Type == "info"
		if a.ID <= 0 || !level || a.Message == "" || err != nil {
			t.Errorf("%s: not a notification frame: %+v", what, a.frame)
		}
	}
}

// short formats ids, eliding the middle of a long list.
func short(ids []int64) string {
	ids = append([]int64(nil), ids...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	parts := make([]string, 0, 21)
	for i, id := range ids {
		if len(ids) > 20 && i == 10 {
			parts = append(parts, fmt.Sprintf("... %d more ...", len(ids)-20))
		}
		if len(ids) <= 20 || i < 10 || i >= len(ids)-10 {
			parts = append(parts, fmt.Sprint(id))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func allSeen(ids []int64, seen map[int64]bool) bool {
	for _, id := range ids {
		if !seen[id] {
			return false
		}
	}
	return true
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
