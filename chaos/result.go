package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what one scenario measured.
type Result struct {
	Scenario     string   `json:"scenario"`
	Nodes        int      `json:"nodes"`
	Users        int      `json:"users"`
	Sockets      int      `json:"sockets"`
	Calls        int      `json:"publish_calls"`        // answered 202
	CallsFailed  int      `json:"publish_calls_failed"` // answered otherwise, or not at all
	CallFailures []string `json:"publish_call_failures,omitempty"`
	CallP99      Millis   `json:"publish_call_p99_ms"` // answered calls, from start to 202
	CallMax      Millis   `json:"publish_call_max_ms"`
	Acked        int      `json:"acknowledged"` // ids the 202s answered
	Committed    int      `json:"committed"`    // notifications of the burst in PostgreSQL
	Live         Tally    `json:"live"`         // the sockets that stayed connected
	Resume       Tally    `json:"resume"`       // a sample of clients resuming with since
	// Scenario-specific figures.
	Healed  *Tally       `json:"healed,omitempty"`     // cut: after the proxy is restored
	Health  *HealthStats `json:"health,omitempty"`     // cut: the cut node's /readyz and /livez
	Rejoin  *Tally       `json:"rejoin,omitempty"`     // kill: the killed node's clients, resuming on it once restarted
	Restart Millis       `json:"restart_ms,omitempty"` // kill: from SIGKILL to the new process ready
	Logout  *LogoutStats `json:"logout,omitempty"`     // logout
	Elapsed Millis       `json:"elapsed_ms"`
	Pass    bool         `json:"pass"`
	Error   string       `json:"error,omitempty"`
	// Problems lists, for a result that did not pass, what went wrong,
	// by socket and id (at most 30).
	Problems []string `json:"problems,omitempty"`
	LogDir   string   `json:"log_dir,omitempty"` // the nodes' logs, kept when a scenario failed
}

// judge sets Pass: nothing lost, repeated, out of order or unexpected,
// no socket closed, every delivery within Bound, and the scenario's own
// bounds.
func (r *Result) judge() {
	tallies := []*Tally{&r.Live, &r.Resume, r.Healed, r.Rejoin}
	r.Pass = r.Error == ""
	for _, t := range tallies {
		if t == nil {
			continue
		}
		if t.failures() > 0 || t.Closed > 0 || time.Duration(t.MaxDelay) > Bound {
			r.Pass = false
		}
	}
	if r.Health != nil && !r.Health.ok() {
		r.Pass = false
	}
	if r.Logout != nil && !r.Logout.ok() {
		r.Pass = false
	}
}

// WriteJSON writes results as one JSON array.
func WriteJSON(w io.Writer, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}

// WriteTable writes results as a readable table, then each scenario's
// own figures and problems.
func WriteTable(w io.Writer, results []*Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tsockets\tcommitted\tdeliveries\tlost\tdup\tout of order\tfull delivery\tdrained\tmax delay\tp99 delay\t"+
		"resumed\tlost\tdup\tout of order\tcatch-up\tpass\t")
	for _, r := range results {
		l, s := r.Live, r.Resume
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%v\t%v\t%v\t%v\t%d\t%d\t%d\t%d\t%v\t%v\t\n",
			r.Scenario, l.Sockets, r.Committed, l.Delivered, l.Lost, l.Duplicated, l.OutOfOrder,
			l.FullDelivery, l.Drained, l.MaxDelay, l.P99Delay,
			s.Sockets, s.Lost, s.Duplicated, s.OutOfOrder, s.FullDelivery, r.Pass)
	}
	tw.Flush()
	for _, r := range results {
		r.writeDetails(w)
	}
}

func (r *Result) writeDetails(w io.Writer) {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	add("%d users, %d sockets on %d nodes; %d publish calls answered 202 (%d ids; p99 %v, slowest %v), %d failed; %d committed without an answer; elapsed %v",
		r.Users, r.Sockets, r.Nodes, r.Calls, r.Acked, r.CallP99, r.CallMax, r.CallsFailed, max(0, r.Committed-r.Acked), r.Elapsed)
	if t := r.Live; t.Unexpected+t.Closed > 0 {
		add("live: %d unexpected ids, %d sockets closed", t.Unexpected, t.Closed)
	}
	if r.Health != nil {
		add("%s", r.Health)
	}
	if r.Healed != nil {
		add("after the restore: %s", r.Healed.brief())
	}
	if r.Restart > 0 {
		add("killed node ready again %v after SIGKILL", r.Restart)
	}
	if r.Rejoin != nil {
		add("its clients resuming on it with since: %s", r.Rejoin.brief())
	}
	if r.Logout != nil {
		add("%s", r.Logout)
	}
	if r.Error != "" {
		add("ERROR: %s", r.Error)
	}
	for _, p := range r.Problems {
		add("problem: %s", p)
	}
	for _, f := range r.CallFailures {
		add("failed call: %s", f)
	}
	if r.LogDir != "" {
		add("node logs: %s", r.LogDir)
	}
	fmt.Fprintf(w, "\n%s:\n  %s\n", r.Scenario, strings.Join(lines, "\n  "))
}

// brief is a tally in one line.
func (t Tally) brief() string {
	return fmt.Sprintf("%d sockets, %d deliveries, lost %d, duplicated %d, out of order %d, unexpected %d, closed %d, full delivery %v",
		t.Sockets, t.Delivered, t.Lost, t.Duplicated, t.OutOfOrder, t.Unexpected, t.Closed, t.FullDelivery)
}
