package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/gobwas/ws"
)

// serverFrames compiles frames as a server sends them (unmasked).
func serverFrames(t testing.TB, frames ...ws.Frame) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, f := range frames {
		if err := ws.WriteFrame(&b, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestFrameReader(t *testing.T) {
	big := strings.Repeat("x", 70_000) // above the bufio buffer and a 16-bit length
	stream := serverFrames(t,
		ws.NewTextFrame([]byte(`{"id":1}`)),
		ws.NewPingFrame([]byte("p")),
		ws.NewTextFrame([]byte(big)),
		// A fragmented message with a ping between its fragments.
		ws.NewFrame(ws.OpText, false, []byte("ab")),
		ws.NewPingFrame(nil),
		ws.NewFrame(ws.OpContinuation, false, []byte("cd")),
		ws.NewFrame(ws.OpContinuation, true, []byte("ef")),
		ws.NewTextFrame(bytes.Repeat([]byte("y"), 300)), // 16-bit length
		ws.NewCloseFrame(ws.NewCloseFrameBody(1013, "slow")),
	)
	fr := frameReader{br: bufio.NewReaderSize(bytes.NewReader(stream), 4096)}
	want := []struct {
		op      byte
		payload string
	}{
		{opText, `{"id":1}`}, {opPing, "p"}, {opText, big}, {opPing, ""}, {opText, "abcdef"},
		{opText, strings.Repeat("y", 300)}, {opClose, "\x03\xf5slow"},
	}
	for i, w := range want {
		op, p, err := fr.next()
		if err != nil || op != w.op || string(p) != w.payload {
			t.Fatalf("frame %d: op %d, %d bytes, %v; want op %d, %d bytes", i, op, len(p), err, w.op, len(w.payload))
		}
	}
	if code, reason := closePayload([]byte("\x03\xf5slow")); code != 1013 || reason != "slow" {
		t.Errorf("close payload: %d %q", code, reason)
	}
	if _, _, err := fr.next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last frame: %v, want EOF", err)
	}
}

func TestFrameReaderRefuses(t *testing.T) {
	masked := ws.NewTextFrame([]byte("m"))
	masked.Header.Masked = true
	cases := map[string][]byte{
		"a masked frame":          serverFrames(t, masked),
		"a lone continuation":     serverFrames(t, ws.NewFrame(ws.OpContinuation, true, []byte("x"))),
		"a message in a fragment": serverFrames(t, ws.NewFrame(ws.OpText, false, []byte("a")), ws.NewTextFrame([]byte("b"))),
		"a truncated frame":       serverFrames(t, ws.NewTextFrame([]byte("truncated")))[:5],
	}
	for name, stream := range cases {
		fr := frameReader{br: bufio.NewReader(bytes.NewReader(stream))}
		if _, _, err := fr.next(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestReadingAllocatesNothingPerFrame checks that reading a notification
// frame and scanning it allocates nothing: the load tool's cost per
// delivery stays small next to the server's.
func TestReadingAllocatesNothingPerFrame(t *testing.T) {
	const n = 1000
	var frames []ws.Frame
	for i := 1; i <= n; i++ {
		frames = append(frames, ws.NewTextFrame([]byte(fmt.Sprintf(
			`{"id":%d,"type":"info","message":"parkmate-bench","event":"bench.publish","data":{"bench":"run","seq":%d,"ts":1785412345678901248},"created_at":"2026-11-25T20:41:10.123Z"}`, i, i))))
	}
	stream := serverFrames(t, frames...)
	rd := bytes.NewReader(stream)
	fr := frameReader{br: bufio.NewReaderSize(rd, 4096)}
	var f frame
	allocs := testing.AllocsPerRun(3, func() {
		rd.Reset(stream)
		fr.br.Reset(rd)
		fr.discard = 0
		for i := 1; i <= n; i++ {
			op, p, err := fr.next()
			if err != nil || op != opText || parseFrame(p, &f) != nil || f.ID != int64(i) || f.Data.Seq != int64(i) {
				t.Fatalf("frame %d: %v %+v", i, err, f)
			}
		}
	})
	if allocs > 0 {
		t.Errorf("%v allocations for %d frames; want none", allocs, n)
	}
}

// BenchmarkReadFrame measures the load tool's reading and scanning of one
// notification frame.
func BenchmarkReadFrame(b *testing.B) {
	one := serverFrames(b, ws.NewTextFrame([]byte(
		`{"id":123456,"type":"info","message":"parkmate-bench","event":"bench.publish","data":{"bench":"run","seq":77,"ts":1785412345678901248},"created_at":"2026-11-25T20:41:10.123Z"}`)))
	stream := bytes.Repeat(one, 1000)
	rd := bytes.NewReader(stream)
	fr := frameReader{br: bufio.NewReaderSize(rd, 4096)}
	var f frame
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			rd.Reset(stream)
			fr.br.Reset(rd)
			fr.discard = 0
		}
		_, p, err := fr.next()
		if err != nil || parseFrame(p, &f) != nil {
			b.Fatal(err)
		}
	}
}
