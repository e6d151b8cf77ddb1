package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Result is what a run reports: one JSON line on stdout. Figures that do not
// apply to the scenario, or that could not be measured, are null.
type Result struct {
	Scenario   string  `json:"scenario"`
	URL        string  `json:"url"`
	Conns      int     `json:"conns"`
	ConnsAlive int     `json:"conns_alive"`
	DurationS  float64 `json:"duration_s"`
	Rate       float64 `json:"rate"`
	Batch      int     `json:"batch"`
	Publishers int     `json:"publishers"`
	UserPrefix string  `json:"user_prefix"`

	SetupSeconds     float64  `json:"setup_seconds"`
	ConnSetupSeconds *float64 `json:"conn_setup_seconds"`
	ConnSetupPerSec  *float64 `json:"conn_setup_per_sec"`

	Calls            int64    `json:"calls"`
	CallErrors       int64    `json:"call_errors"`
	CallsPerSec      *float64 `json:"calls_per_sec"`
	Sent             int64    `json:"sent"`
	Deliveries       int64    `json:"deliveries"`
	DeliveriesPerSec *float64 `json:"deliveries_per_sec"`
	Lost             int64    `json:"lost"`
	Duplicated       int64    `json:"duplicated"`
	OutOfOrder       int64    `json:"out_of_order"`
	Unexpected       int64    `json:"unexpected"`
	IDMismatch       int64    `json:"id_mismatch"`
	LatencyMs        *Latency `json:"latency_ms"`

	ServerStatsSource      string   `json:"server_stats_source"`
	ServerCPUSeconds       *float64 `json:"server_cpu_seconds"`
	ServerCPUUsPerDelivery *float64 `json:"server_cpu_us_per_delivery"`
	ServerRSSBefore        *float64 `json:"server_rss_bytes_before"`
	ServerRSSAfter         *float64 `json:"server_rss_bytes_after"`
	ServerRSSBytesPerConn  *float64 `json:"server_rss_bytes_per_conn"`
	ToolCPUSeconds         *float64 `json:"tool_cpu_seconds"`
	ToolCPUUsPerDelivery   *float64 `json:"tool_cpu_us_per_delivery"`

	DownPublished        int64    `json:"down_published"`
	LivePublished        int64    `json:"live_published"`
	ReconnectSeconds     *float64 `json:"reconnect_seconds"`
	ReconnectSetupPerSec *float64 `json:"reconnect_setup_per_sec"`
	CatchUpSeconds       *float64 `json:"catch_up_seconds"`

	UnplannedDisconnects int64            `json:"unplanned_disconnects"`
	CloseCodes           map[string]int64 `json:"close_codes"`
	Warnings             []string         `json:"warnings"`
	Error                string           `json:"error,omitempty"`

	usage bool // the error is in the configuration
}

// Exit statuses of the command.
const (
	ExitOK    = 0
	ExitError = 1 // the tool failed (cannot connect, setup errors)
	ExitUsage = 2 // bad flags or configuration
	ExitLost  = 3 // the run completed but notifications were lost
)

// ExitCode is the command's exit status for the result: ExitError when the
// tool failed, ExitLost when any notification was lost, else ExitOK. Slow
// figures never make a run fail.
func (r *Result) ExitCode() int {
	switch {
	case r.Error != "" && r.usage:
		return ExitUsage
	case r.Error != "":
		return ExitError
	case r.Lost > 0:
		return ExitLost
	}
	return ExitOK
}

// WriteJSON writes the result as one JSON line.
func (r *Result) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteSummary writes a human-readable summary.
func (r *Result) WriteSummary(w io.Writer) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("parkmate-bench: scenario %s against %s, %d connections (%d alive at the end)", r.Scenario, r.URL, r.Conns, r.ConnsAlive)
	if r.Error != "" {
		p("  FAILED: %s", r.Error)
	}
	if r.SetupSeconds > 0 {
		p("  users created and logged in in %.1fs (prefix %s)", r.SetupSeconds, r.UserPrefix)
	}
	if r.ConnSetupPerSec != nil {
		p("  WebSocket handshakes: %.0f/s (%d in %.2fs)", *r.ConnSetupPerSec, r.Conns, *r.ConnSetupSeconds)
	}
	if r.Calls > 0 {
		line := fmt.Sprintf("  REST calls: %d (%d failed)", r.Calls, r.CallErrors)
		if r.CallsPerSec != nil {
			line += fmt.Sprintf(", %.0f/s", *r.CallsPerSec)
		}
		p("%s", line)
	}
	if r.Sent > 0 || r.Deliveries > 0 {
		line := fmt.Sprintf("  deliveries: %d of %d expected", r.Deliveries, r.Sent)
		if r.DeliveriesPerSec != nil {
			line += fmt.Sprintf(", %.0f/s", *r.DeliveriesPerSec)
		}
		p("%s", line)
		p("  lost %d, duplicated %d, out of order %d, unexpected %d", r.Lost, r.Duplicated, r.OutOfOrder, r.Unexpected)
	}
	if l := r.LatencyMs; l != nil {
		p("  latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (mean %.2f, %d samples)", l.P50, l.P99, l.P999, l.Max, l.Mean, l.Count)
	}
	if r.ReconnectSeconds != nil {
		line := fmt.Sprintf("  reconnect: %d published while down", r.DownPublished)
		if r.LivePublished > 0 {
			line += fmt.Sprintf(", %d during the reconnect", r.LivePublished)
		}
		line += fmt.Sprintf("; all %d reconnected in %.2fs", r.Conns, *r.ReconnectSeconds)
		if r.ReconnectSetupPerSec != nil {
			line += fmt.Sprintf(" (%.0f/s)", *r.ReconnectSetupPerSec)
		}
		p("%s", line)
	}
	if r.CatchUpSeconds != nil {
		p("  all clients caught up %.2fs after the reconnect began", *r.CatchUpSeconds)
	}
	if r.ServerStatsSource != "" {
		p("  server figures from %s:", r.ServerStatsSource)
		if r.ServerRSSBefore != nil && r.ServerRSSAfter != nil {
			p("    RSS %.1f MiB -> %.1f MiB", *r.ServerRSSBefore/(1<<20), *r.ServerRSSAfter/(1<<20))
		}
		if r.ServerRSSBytesPerConn != nil {
			p("    memory per connection: %.1f KiB", *r.ServerRSSBytesPerConn/1024)
		}
		if r.ServerCPUSeconds != nil {
			p("    CPU time: %.2fs", *r.ServerCPUSeconds)
		}
		if r.ServerCPUUsPerDelivery != nil {
			p("    CPU per delivery: %.1f µs", *r.ServerCPUUsPerDelivery)
		}
	}
	if r.ToolCPUSeconds != nil {
		line := fmt.Sprintf("  load tool CPU time: %.2fs", *r.ToolCPUSeconds)
		if r.ToolCPUUsPerDelivery != nil {
			line += fmt.Sprintf(", %.1f µs per delivery", *r.ToolCPUUsPerDelivery)
		}
		p("%s", line)
	}
	if r.UnplannedDisconnects > 0 {
		codes := make([]string, 0, len(r.CloseCodes))
		for c, n := range r.CloseCodes {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		sort.Strings(codes)
		p("  unplanned disconnects: %d (%s); clients resumed with ?since=", r.UnplannedDisconnects, strings.Join(codes, ", "))
	}
	for _, wn := range r.Warnings {
		p("  warning: %s", wn)
	}
	switch r.ExitCode() {
	case ExitLost:
		p("  RESULT: %d notification(s) LOST (exit status 3)", r.Lost)
	case ExitOK:
		p("  RESULT: ok")
	}
	io.WriteString(w, b.String())
}
