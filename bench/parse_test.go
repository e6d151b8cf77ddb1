package bench

import (
	"strings"
	"testing"
)

func TestParsePromText(t *testing.T) {
	got, err := parsePromText(strings.NewReader(sampleMetrics),
		metricRSS, metricCPU, "http_requests_total", "parkmate_sockets", "missing")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		metricRSS:             54321152,
		metricCPU:             12.34,
		"http_requests_total": 17,
		"parkmate_sockets":    4, // the unlabelled sample wins
	}
	if len(got) != len(want) {
		t.Fatalf(
			"got %v, want %v",
			got, want,
		)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf(
				"%s = %g, want %g",
				k, got[k], v,
			)
		}
	}
}

func TestParsePromTextErrors(t *testing.T) {
	for _, in := range []string{
		"process_cpu_seconds_total notanumber\n",
		"process_cpu_seconds_total{a=\"b\" 1\n",
		"process_cpu_seconds_total\n",
	} {
		if _, err := parsePromText(strings.NewReader(in), metricCPU); err == nil {
			t.Errorf(
				"parsePromText(%q): no error",
				in,
			)
		}
	}
}

func TestParseProc(t *testing.T) {
	status := []byte("Name:\tparkmate\nVmPeak:\t  900 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n")
	rss, err := parseProcStatusRSS(status)
	if err != nil || rss != 12345*1024 {
		t.Fatalf(
			"rss = %g, %v",
			rss, err,
		)
	}
	if _, err := parseProcStatusRSS([]byte("Name: x\n")); err == nil {
		t.Fatal("no error without VmRSS")
	}
	// comm with spaces and a parenthesis; utime 250, stime 50 ticks.
	stat := []byte("4242 (park mate) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0\n")
	cpu, err := parseProcStatCPU(stat)
	if err != nil || cpu != 3.0 {
		t.Fatalf(
			"cpu = %g, %v",
			cpu, err,
		)
	}
	if _, err := parseProcStatCPU([]byte("1 (x) S 1 2")); err == nil {
		t.Fatal("no error on a short stat line")
	}
}

func TestParseFrame(t *testing.T) {
	f, err := parseFrame([]byte(`{"id": 42, "type": "info", "message": "m", "event": "bench.publish",
		"data": {"bench": "run1", "seq": 7, "ts": 1785412345678901248}, "created_at": "2026-11-25T20:41:10Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 42 || f.Event != "bench.publish" || f.Data.Bench != "run1" || f.Data.Seq != 7 || f.Data.TS != 1785412345678901248 {
		t.Fatalf(
			"frame %+v",
			*f,
		)
	}
	// Numbers that went through a float64 on the server, a string payment
	// id, and an odd field type do not hide the rest.
	f, err = parseFrame([]byte(`{"id": 43, "type": "success", "event": "payment.verified",
		"data": {"payment_id": "17", "booking_id": 5, "amount": 5, "bench": 3, "seq": 7.0}}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 43 || f.Data.PaymentID != 17 || f.Data.Seq != 7 || f.Data.Bench != "" {
		t.Fatalf(
			"frame %+v",
			*f,
		)
	}
	f, err = parseFrame([]byte(`{"type": "pong"}`))
	if err != nil || f.ID != 0 {
		t.Fatalf(
			"pong: %+v, %v",
			f, err,
		)
	}
	if _, err := parseFrame([]byte(`{"id": 1.5}`)); err == nil {
		t.Fatal("no error on a fractional id")
	}
	if _, err := parseFrame([]byte(`not json`)); err == nil {
		t.Fatal("no error on bad JSON")
	}
}
