package chaos

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Tally is what a set of sockets received compared, by id, with what
// PostgreSQL committed for their users.
type Tally struct {
	Sockets    int `json:"sockets"`
	Expected   int `json:"deliveries_expected"` // committed ids × the sockets of their user
	Delivered  int `json:"deliveries"`          // frames received, markers apart
	Lost       int `json:"lost"`                // committed, never received before the marker
	Duplicated int `json:"duplicated"`          // received again (also: at or below the id the socket had passed)
	OutOfOrder int `json:"out_of_order"`        // received after a larger id
	Unexpected int `json:"unexpected"`          // not a committed notification of the user
	Closed     int `json:"closed"`              // sockets the server closed before their marker
	// FullDelivery: from the fault until the last frame arrived on every
	// socket (resumed sockets: from the dial until the replay was done).
	FullDelivery Millis `json:"full_delivery_ms"`
	// Drained: from the end of the burst (the last publish answered)
	// until the last frame arrived on every socket.
	Drained Millis `json:"drained_ms,omitempty"`
	// MaxDelay and P99Delay: per delivery, from the start of the publish
	// call that committed it (or the fault, for a call that was never
	// answered) to its arrival: the contract bounds it by 10 s.
	MaxDelay Millis `json:"max_delay_ms,omitempty"`
	P99Delay Millis `json:"p99_delay_ms,omitempty"`
}

// failures counts what breaks the contract.
func (t Tally) failures() int { return t.Lost + t.Duplicated + t.OutOfOrder + t.Unexpected }

// Millis is a duration that reads, in JSON, as milliseconds.
type Millis time.Duration

// MarshalJSON writes the duration in milliseconds, to the microsecond.
func (m Millis) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%.3f", float64(time.Duration(m).Microseconds())/1000)), nil
}

func (m Millis) String() string { return time.Duration(m).Round(time.Millisecond).String() }

// markerWait is what untilMarkers found on one socket.
type markerWait struct {
	before []arrival // the frames before the marker
	found  bool
	next   int // the index after the marker in the socket's frames
}

// untilMarkers waits until every socket has received its user's marker,
// or has ended, or until passes.
func untilMarkers(socks []*socket, markers map[int64]int64, until time.Time) []markerWait {
	out := make([]markerWait, len(socks))
	left := len(socks)
	for {
		for i, s := range socks {
			if out[i].found {
				continue
			}
			frames, ended := s.since(s.from)
			if j := slices.IndexFunc(frames, func(a arrival) bool { return a.id == markers[s.u.id] }); j >= 0 {
				out[i] = markerWait{before: frames[:j], found: true, next: s.from + j + 1}
				left--
			} else {
				out[i].before = frames
				if ended {
					out[i].next = -1
				}
			}
		}
		if left == 0 || time.Now().After(until) || allEnded(out) {
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allEnded(ws []markerWait) bool {
	for _, w := range ws {
		if !w.found && w.next != -1 {
			return false
		}
	}
	return true
}

// comparison is one socket's frames against what was committed.
type comparison struct {
	lost, dup, disorder, unexpected []int64
	ok                              map[int64]time.Time // committed ids received, first arrival
}

// compare compares got, the frames a socket received after it had passed
// id after, with want, the ids committed for its user after that. For a
// socket that ended early (closed), only an id missing below one it got
// is lost: the contract lets a closed client resume with since.
func compare(after int64, got []arrival, want []int64, closed bool) comparison {
	wanted := make(map[int64]bool, len(want))
	for _, id := range want {
		wanted[id] = true
	}
	c := comparison{ok: map[int64]time.Time{}}
	prev, top := after, after
	for _, a := range got {
		_, seen := c.ok[a.id]
		switch {
		case seen || a.id <= after:
			c.dup = append(c.dup, a.id)
		case !wanted[a.id]:
			c.unexpected = append(c.unexpected, a.id)
		default:
			c.ok[a.id] = a.at
		}
		if a.id < prev && !seen && a.id > after {
			c.disorder = append(c.disorder, a.id)
		}
		prev, top = a.id, max(top, a.id)
	}
	for _, id := range want {
		if _, ok := c.ok[id]; !ok && (!closed || id < top) {
			c.lost = append(c.lost, id)
		}
	}
	return c
}

// addBad counts frames that are not notification frames, which a seed-era
// socket must never receive, as unexpected.
func (t *Tally) addBad(frames []string, what string, problems *[]string) {
	t.Unexpected += len(frames)
	if len(frames) > 0 && len(*problems) < maxProblems {
		*problems = append(*problems, fmt.Sprintf("%s: %d frames that are not notifications, first %q", what, len(frames), frames[0]))
	}
}

// add counts c into t and describes its problems, as socket what's, in
// problems.
func (t *Tally) add(c comparison, what string, problems *[]string) {
	t.Lost += len(c.lost)
	t.Duplicated += len(c.dup)
	t.OutOfOrder += len(c.disorder)
	t.Unexpected += len(c.unexpected)
	note := func(ids []int64, kind string) {
		if len(ids) > 0 && len(*problems) < maxProblems {
			*problems = append(*problems, fmt.Sprintf("%s: %d %s: %s", what, len(ids), kind, short(ids)))
		}
	}
	note(c.lost, "committed ids never arrived")
	note(c.dup, "ids arrived again")
	note(c.disorder, "ids arrived after a larger id")
	note(c.unexpected, "ids arrived that are not committed notifications of the user")
}

// maxProblems bounds the problems a result lists.
const maxProblems = 30

// delays sets t's delay figures from samples.
func (t *Tally) delays(samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	t.MaxDelay = Millis(samples[len(samples)-1])
	t.P99Delay = Millis(samples[(len(samples)*99+99)/100-1])
}

// short formats ids, eliding the middle of a long list.
func short(ids []int64) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	if len(ids) > 12 {
		return fmt.Sprintf("%v ... %d more ... %v", ids[:6], len(ids)-12, ids[len(ids)-6:])
	}
	return fmt.Sprint(ids)
}

// usersOf returns the users of socks, each once, in order of appearance.
func usersOf(socks []*socket) []*user {
	seen := map[int64]bool{}
	var out []*user
	for _, s := range socks {
		if !seen[s.u.id] {
			seen[s.u.id] = true
			out = append(out, s.u)
		}
	}
	return out
}

// ids returns the ids of users.
func ids(users []*user) []int64 {
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = u.id
	}
	return out
}

// span returns the smallest after and the largest marker of socks, the
// range of ids to read from the database.
func span(socks []*socket, markers map[int64]int64) (lo, hi int64) {
	lo = 1 << 62
	for _, s := range socks {
		lo = min(lo, s.after)
		hi = max(hi, markers[s.u.id])
	}
	return lo, hi
}

// wantFor returns the ids of want after after.
func wantFor(want []int64, after int64) []int64 {
	i, _ := slices.BinarySearch(want, after+1)
	return want[i:]
}

// waitFull waits until every open socket of socks has every notification
// of its user committed after its place, or giveUp passes.
func (e *env) waitFull(ctx context.Context, socks []*socket) error {
	lo, _ := span(socks, nil)
	want, err := e.committed(ctx, ids(usersOf(socks)), lo, 1<<62)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(giveUp)
	for !time.Now().After(deadline) && ctx.Err() == nil {
		if complete(socks, want) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ctx.Err()
}

// complete reports whether every open socket has received what want says.
func complete(socks []*socket, want map[int64][]int64) bool {
	for _, s := range socks {
		frames, ended := s.since(s.from)
		if ended {
			continue
		}
		got := make(map[int64]bool, len(frames))
		for _, a := range frames {
			got[a.id] = true
		}
		for _, id := range wantFor(want[s.u.id], s.after) {
			if !got[id] {
				return false
			}
		}
	}
	return true
}
