package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Names of the client_golang process collector metrics the bench reads.
const (
	metricRSS = "process_resident_memory_bytes"
	metricCPU = "process_cpu_seconds_total"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports; reading it would need cgo
// (sysconf).
const clockTicks = 100

// ServerStats is one sample of the server's resource use, and of the load
// tool's own CPU time at the same instant.
type ServerStats struct {
	RSSBytes   float64
	CPUSeconds float64
	At         time.Time
	// ToolCPUSeconds is the CPU time (user + system) this process has used.
	ToolCPUSeconds float64
}

// toolCPUSeconds returns the CPU time (user + system) this process, the
// load tool, has used so far: its readers, trackers and publishers alike.
func toolCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// parsePromText reads the Prometheus text exposition format from r and returns
// the values of the wanted metric names that carry no labels (or, failing
// that, the first labelled sample of the name). Comments and other metrics are
// skipped. It is deliberately small: the bench needs two gauges, not a client
// library.
func parsePromText(r io.Reader, wanted ...string) (map[string]float64, error) {
	want := make(map[string]bool, len(wanted))
	for _, w := range wanted {
		want[w] = true
	}
	out := make(map[string]float64)
	labelled := make(map[string]bool)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, hasLabels, err := splitPromLine(line)
		if err != nil {
			return nil, err
		}
		if !want[name] {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("metrics: no value for %s", name)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: bad value for %s: %q", name, fields[0])
		}
		_, seen := out[name]
		switch {
		case !seen:
			out[name] = v
			labelled[name] = hasLabels
		case labelled[name] && !hasLabels:
			out[name] = v
			labelled[name] = false
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// splitPromLine splits a sample line into the metric name and what follows
// its label set, honouring quoted label values (which may contain '}' and
// escaped quotes).
func splitPromLine(line string) (name, rest string, hasLabels bool, err error) {
	i := 0
	for i < len(line) && line[i] != '{' && line[i] != ' ' && line[i] != '\t' {
		i++
	}
	name = line[:i]
	if i == len(line) {
		return name, "", false, nil
	}
	if line[i] != '{' {
		return name, line[i:], false, nil
	}
	inQuote := false
	for j := i + 1; j < len(line); j++ {
		c := line[j]
		switch {
		case inQuote && c == '\\':
			j++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '}':
			return name, line[j+1:], true, nil
		}
	}
	return "", "", false, fmt.Errorf("metrics: unterminated label set: %q", line)
}

// parseProcStatusRSS returns VmRSS from /proc/<pid>/status contents, in bytes.
func parseProcStatusRSS(data []byte) (float64, error) {
	for _, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("VmRSS:")) {
			continue
		}
		f := strings.Fields(string(line[len("VmRSS:"):]))
		if len(f) == 0 {
			break
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("proc status: bad VmRSS %q", f[0])
		}
		mult := 1024.0 // the kernel always says "kB"
		if len(f) > 1 && strings.EqualFold(f[1], "mB") {
			mult = 1024 * 1024
		}
		return v * mult, nil
	}
	return 0, errors.New("proc status: no VmRSS line")
}

// parseProcStatCPU returns utime+stime from /proc/<pid>/stat contents, in
// seconds. The command name (field 2) is in parentheses and may itself hold
// spaces and parentheses, so fields are counted after the last ')'.
func parseProcStatCPU(data []byte) (float64, error) {
	s := string(data)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(s[end+1:])
	// After the name: state(3) ppid(4) ... utime(14) stime(15), so utime
	// is f[11] and stime f[12].
	if len(f) < 13 {
		return 0, errors.New("proc stat: too few fields")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc stat: bad utime/stime %q %q", f[11], f[12])
	}
	return float64(ut+st) / clockTicks, nil
}

// sampler reads the server's resource use, from /proc when the server's pid
// is known, else from its /metrics endpoint.
type sampler struct {
	hc      *http.Client
	metrics string // URL of /metrics
	pid     int
}

// source names where samples come from, for the result.
func (s *sampler) source() string {
	if s.pid > 0 {
		return "proc"
	}
	return "metrics"
}

func (s *sampler) sample(ctx context.Context) (ServerStats, error) {
	if s.pid > 0 {
		return s.sampleProc()
	}
	return s.sampleMetrics(ctx)
}

func (s *sampler) sampleProc() (ServerStats, error) {
	st := ServerStats{At: time.Now()}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return st, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return st, err
	}
	if st.RSSBytes, err = parseProcStatusRSS(status); err != nil {
		return st, err
	}
	if st.CPUSeconds, err = parseProcStatCPU(stat); err != nil {
		return st, err
	}
	return st, nil
}

func (s *sampler) sampleMetrics(ctx context.Context) (ServerStats, error) {
	st := ServerStats{At: time.Now()}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metrics, nil)
	if err != nil {
		return st, err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return st, fmt.Errorf("GET %s: status %d", s.metrics, resp.StatusCode)
	}
	vals, err := parsePromText(resp.Body, metricRSS, metricCPU)
	if err != nil {
		return st, err
	}
	rss, ok1 := vals[metricRSS]
	cpu, ok2 := vals[metricCPU]
	if !ok1 || !ok2 {
		return st, fmt.Errorf("GET %s: no %s or %s", s.metrics, metricRSS, metricCPU)
	}
	st.RSSBytes, st.CPUSeconds = rss, cpu
	return st, nil
}
