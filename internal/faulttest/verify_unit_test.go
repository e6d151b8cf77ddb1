package faulttest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestReportFindsEveryProblem checks the checker: each way a socket can
// break the contract is reported, and a correct delivery is not.
func TestReportFindsEveryProblem(t *testing.T) {
	now := time.Now()
	frames := func(ids ...int64) []arrival {
		var out []arrival
		for _, id := range ids {
			out = append(out, arrival{frame: frame{ID: id, Type: "info", Message: "m", CreatedAt: "2026-11-25T20:41:10Z"}, at: now})
		}
		return out
	}
	onTime := deadlines{otherwise: now.Add(time.Second)}
	tests := []struct {
		name string
		got  []arrival
		d    deadlines
		want string // a substring of the only error; "" for none
	}{
		{"exact", frames(11, 12, 14), onTime, ""},
		{"missing", frames(11, 14), onTime, "1 of 3 committed ids never arrived: [12]"},
		{"duplicated", frames(11, 12, 12, 14), onTime, "1 ids arrived more than once: [12]"},
		{"out of order", frames(11, 14, 12), onTime, "1 ids arrived after a larger id: [12]"},
		{"repeated from before", frames(10, 11, 12, 14), onTime, "at or below id 10"},
		{"not committed", frames(11, 12, 13, 14), onTime, "1 ids arrived that are not committed notifications of the user: [13]"},
		{"late", frames(11, 12, 14), deadlines{due: map[int64]time.Time{12: now.Add(-time.Second)}, otherwise: now.Add(time.Second)}, "1 ids arrived later than"},
		{"not a notification", []arrival{{frame: frame{ID: 11, Type: "read"}, at: now}, frames(12)[0], frames(14)[0]}, onTime, "not a notification frame"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			report(r, "socket", 10, tc.got, []int64{11, 12, 14}, tc.d)
			switch {
			case tc.want == "" && len(r.errors) > 0:
				t.Fatalf("errors for a correct delivery: %q", r.errors)
			case tc.want != "" && (len(r.errors) != 1 || !strings.Contains(r.errors[0], tc.want)):
				t.Fatalf("errors %q, want one containing %q", r.errors, tc.want)
			}
		})
	}
}
