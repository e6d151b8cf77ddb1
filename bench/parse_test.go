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
	var f frame
	err := parseFrame([]byte(`{"id": 42, "type": "info", "message": "m", "event": "bench.publish",
		"data": {"bench": "run1", "seq": 7, "ts": 1785412345678901248}, "created_at": "2026-11-25T20:41:10Z"}`), &f)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 42 || string(f.Event) != "bench.publish" || string(f.Data.Bench) != "run1" || f.Data.Seq != 7 || f.Data.TS != 1785412345678901248 {
		t.Fatalf("frame %+v", f)
	}
	// Numbers that went through a float64 on the server, a string payment
	// id, and an odd field type do not hide the rest.
	err = parseFrame([]byte(`{"id": 43, "type": "success", "event": "payment.verified",
		"data": {"payment_id": "17", "booking_id": 5, "amount": 5, "bench": 3, "seq": 7.0}}`), &f)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 43 || f.Data.PaymentID != 17 || f.Data.Seq != 7 || len(f.Data.Bench) != 0 {
		t.Fatalf("frame %+v", f)
	}
	if err = parseFrame([]byte(`{"type": "pong"}`), &f); err != nil || f.ID != 0 {
		t.Fatalf("pong: %+v, %v", f, err)
	}
	if err := parseFrame([]byte(`{"id": 1.5}`), &f); err == nil {
		t.Fatal("no error on a fractional id")
	}
	if err := parseFrame([]byte(`not json`), &f); err == nil {
		t.Fatal("no error on bad JSON")
	}
}

// TestScanFrameAgreesWithEncodingJSON checks the allocation-free scanner
// against encoding/json: what it scans it reads as encoding/json does, and
// what it does not handle it leaves to encoding/json (scan false).
func TestScanFrameAgreesWithEncodingJSON(t *testing.T) {
	cases := []struct {
		in   string
		scan bool
	}{
		{`{"id":1,"type":"info","message":"hi","event":"bench.publish","data":{"bench":"r","seq":3,"ts":99},"created_at":"2026-01-01T00:00:00Z"}`, true},
		{`{"id":2,"message":"a \"quoted\" \u00e9 text","data":{"nested":{"a":[1,2,{"b":null}],"c":true},"seq":-4}}`, true},
		{` { "id" : 3 , "data" : { } , "extra" : [ ] } `, true},
		{`{"id":4,"data":null,"event":"e"}`, true},
		{`{}`, true},
		{`{"id":5,"data":{"bench":"x\ny"}}`, false},    // an escape in a string it reads
		{`{"id":6,"data":{"ts":1e3}}`, false},          // a number with an exponent
		{`{"id":7,"data":{"payment_id":"12"}}`, false}, // a number in a string
		{`{"id":8}x`, false},                           // not JSON
		{`{"id":9,"message":"unterminated}`, false},    // not JSON
		{`{"id":10,"a":tru}`, false},                   // not JSON
		{`{"id":012}`, false},                          // not JSON
		{`[1,2]`, false},                               // not an object
	}
	for _, c := range cases {
		var fast frame
		if got := scanFrame([]byte(c.in), &fast); got != c.scan {
			t.Errorf("%s: scanned %v, want %v", c.in, got, c.scan)
			continue
		}
		if !c.scan {
			continue
		}
		var slow frame
		if err := decodeFrame([]byte(c.in), &slow); err != nil {
			t.Errorf("%s: scanned, but encoding/json says %v", c.in, err)
			continue
		}
		if string(fast.Event) != string(slow.Event) || string(fast.Data.Bench) != string(slow.Data.Bench) {
			t.Errorf("%s: event %q bench %q, encoding/json %q %q", c.in, fast.Event, fast.Data.Bench, slow.Event, slow.Data.Bench)
		}
		if fast.ID != slow.ID || fast.Data.Seq != slow.Data.Seq || fast.Data.TS != slow.Data.TS || fast.Data.PaymentID != slow.Data.PaymentID {
			t.Errorf("%s: scanned %+v, encoding/json %+v", c.in, fast, slow)
		}
	}
}
