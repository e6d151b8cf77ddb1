package socket

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/hub"
)

// testMaxFrame is the frame limit of the read tests: above the 125 bytes
// of a control frame, small enough to reach with a few fragments.
const testMaxFrame = 200

// fr is one frame a client sends, masked unless unmasked is set.
type fr struct {
	op       ws.OpCode
	payload  string
	more     bool // not the last fragment (FIN clear)
	rsv      byte // RSV1..3 as bits 2..0
	unmasked bool
}

var testMask = [4]byte{0x12, 0x34, 0x56, 0x78}

func (f fr) bytes() []byte {
	var b bytes.Buffer
	h := ws.Header{Fin: !f.more, Rsv: f.rsv, OpCode: f.op, Masked: !f.unmasked, Length: int64(len(f.payload))}
	if h.Masked {
		h.Mask = testMask
	}
	if err := ws.WriteHeader(&b, h); err != nil {
		panic(err)
	}
	p := []byte(f.payload)
	if h.Masked {
		ws.Cipher(p, h.Mask, 0)
	}
	b.Write(p)
	return b.Bytes()
}

// frames returns the bytes of fs, back to back.
func frames(fs ...fr) []byte {
	var out []byte
	for _, f := range fs {
		out = append(out, f.bytes()...)
	}
	return out
}

// closeData is a close frame's payload: code and reason.
func closeData(code uint16, reason string) string {
	b := binary.BigEndian.AppendUint16(nil, code)
	return string(b) + reason
}

// ping is the application ping, padded with JSON to n bytes in all.
func ping(n int) string {
	const head, tail = `{"type":"ping","pad":"`, `"}`
	if n == 0 {
		return `{"type":"ping"}`
	}
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// out is one frame the server is expected to send before it closes.
type out struct {
	op      ws.OpCode
	payload string
}

var appPong = out{ws.OpText, `{"type":"pong"}`}

type readCase struct {
	name string
	send []byte
	// want are the frames expected before the close (proto 2).
	want []out
	// close is the code the server closes with; 0: the socket stays open
	// (the test then closes it with 1000, which the server echoes).
	close int
	// racesPong: the row's first message is a ping, whose pong a close
	// that follows at once may drop (a close goes after nothing else).
	racesPong bool
}

// readCases are the client streams of the strict read path: each row, the
// bytes the client sends after the handshake and what the server answers.
func readCases() []readCase {
	var cases []readCase
	cases = append(cases, keptReadCases()...)
	cases = append(cases, rsvReadCases()...)
	cases = append(cases, opcodeReadCases()...)
	cases = append(cases, utf8ReadCases()...)
	cases = append(cases, closeReadCases()...)
	cases = append(cases, reassemblyReadCases()...)
	return cases
}

// keptReadCases: the rows kept from before.
func keptReadCases() []readCase {
	return []readCase{
		{name: "unmasked frame", send: frames(fr{op: ws.OpText, payload: ping(0), unmasked: true}), close: CloseProtocol},
		{name: "text other than ping", send: frames(fr{op: ws.OpText, payload: `{"type":"subscribe"}`}), close: ClosePolicy},
		{name: "text not JSON", send: frames(fr{op: ws.OpText, payload: "hello"}), close: ClosePolicy},
		{name: "binary frame", send: frames(fr{op: ws.OpBinary, payload: "\x00\x01"}), close: ClosePolicy},
		{name: "fragmented binary frame", send: frames(fr{op: ws.OpBinary, payload: "\x00", more: true}), close: ClosePolicy},
		{name: "control frame over 125 bytes", send: frames(fr{op: ws.OpPing, payload: strings.Repeat("p", 126)}), close: CloseProtocol},
		{name: "fragmented control frame", send: frames(fr{op: ws.OpPing, payload: "p", more: true}), close: CloseProtocol},
		{name: "frame over the limit", send: frames(fr{op: ws.OpText, payload: ping(testMaxFrame + 1)}), close: CloseTooLarge},
	}
}

// rsvReadCases: RSV bits.
func rsvReadCases() []readCase {
	split := ping(0)
	return []readCase{
		{name: "RSV1 on a text frame", send: frames(fr{op: ws.OpText, payload: ping(0), rsv: 4}), close: CloseProtocol},
		{name: "RSV2 on a text frame", send: frames(fr{op: ws.OpText, payload: ping(0), rsv: 2}), close: CloseProtocol},
		{name: "RSV3 on a ping", send: frames(fr{op: ws.OpPing, payload: "p", rsv: 1}), close: CloseProtocol},
		{name: "RSV1 on a continuation", send: frames(fr{op: ws.OpText, payload: split[:5], more: true}, fr{op: ws.OpContinuation, payload: split[5:], rsv: 4}), close: CloseProtocol},
	}
}

// opcodeReadCases: reserved opcodes and stray continuations.
func opcodeReadCases() []readCase {
	split := ping(0)
	return []readCase{
		{name: "reserved data opcode 0x3", send: frames(fr{op: 0x3, payload: "x"}), close: CloseProtocol},
		{name: "reserved data opcode 0x7", send: frames(fr{op: 0x7}), close: CloseProtocol},
		{name: "reserved control opcode 0xB", send: frames(fr{op: 0xB, payload: "x"}), close: CloseProtocol},
		{name: "reserved control opcode 0xF", send: frames(fr{op: 0xF}), close: CloseProtocol},
		{name: "continuation with nothing to continue", send: frames(fr{op: ws.OpContinuation, payload: ping(0)}), close: CloseProtocol},
		{name: "non-final continuation with nothing to continue", send: frames(fr{op: ws.OpContinuation, payload: "x", more: true}), close: CloseProtocol},
		{name: "continuation after a finished message", send: frames(fr{op: ws.OpText, payload: ping(0)}, fr{op: ws.OpContinuation, payload: "x"}), racesPong: true, close: CloseProtocol},
		{name: "new text frame inside a fragmented message", send: frames(fr{op: ws.OpText, payload: split[:5], more: true}, fr{op: ws.OpText, payload: ping(0)}), close: CloseProtocol},
		{name: "payload length with its top bit set", send: []byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, close: CloseProtocol},
	}
}

// utf8ReadCases: UTF-8 in text frames and fragments.
func utf8ReadCases() []readCase {
	return []readCase{
		{name: "invalid UTF-8 in a text frame", send: frames(fr{op: ws.OpText, payload: `{"type":"ping","pad":"` + "\xff" + `"}`}), close: CloseInvalidData},
		{name: "overlong encoding in a text frame", send: frames(fr{op: ws.OpText, payload: `{"type":"ping","pad":"` + "\xc0\xaf" + `"}`}), close: CloseInvalidData},
		{name: "surrogate in a text frame", send: frames(fr{op: ws.OpText, payload: `{"type":"ping","pad":"` + "\xed\xa0\x80" + `"}`}), close: CloseInvalidData},
		{name: "invalid UTF-8 text that is not a ping", send: frames(fr{op: ws.OpText, payload: "\xfe"}), close: CloseInvalidData},
		{name: "invalid UTF-8 in a middle fragment fails at once", send: frames(fr{op: ws.OpText, payload: `{"type":`, more: true}, fr{op: ws.OpContinuation, payload: "\xff", more: true}), close: CloseInvalidData},
		{name: "a fragmented message ending inside a rune", send: frames(fr{op: ws.OpText, payload: `{"type":"ping","pad":"` + "\xe2\x82", more: true}, fr{op: ws.OpContinuation}), close: CloseInvalidData},
	}
}

// closeReadCases: close frames.
func closeReadCases() []readCase {
	split := ping(0)
	return []readCase{
		{name: "close with a 1-byte payload", send: frames(fr{op: ws.OpClose, payload: "\x03"}), close: CloseProtocol},
		{name: "close code 0", send: frames(fr{op: ws.OpClose, payload: closeData(0, "")}), close: CloseProtocol},
		{name: "close code 999", send: frames(fr{op: ws.OpClose, payload: closeData(999, "")}), close: CloseProtocol},
		{name: "close code 1004", send: frames(fr{op: ws.OpClose, payload: closeData(1004, "")}), close: CloseProtocol},
		{name: "close code 1005", send: frames(fr{op: ws.OpClose, payload: closeData(1005, "")}), close: CloseProtocol},
		{name: "close code 1006", send: frames(fr{op: ws.OpClose, payload: closeData(1006, "")}), close: CloseProtocol},
		{name: "close code 1015", send: frames(fr{op: ws.OpClose, payload: closeData(1015, "")}), close: CloseProtocol},
		{name: "close code 1100", send: frames(fr{op: ws.OpClose, payload: closeData(1100, "")}), close: CloseProtocol},
		{name: "close code 2999", send: frames(fr{op: ws.OpClose, payload: closeData(2999, "")}), close: CloseProtocol},
		{name: "close code 5000", send: frames(fr{op: ws.OpClose, payload: closeData(5000, "")}), close: CloseProtocol},
		{name: "close code 65535", send: frames(fr{op: ws.OpClose, payload: closeData(65535, "")}), close: CloseProtocol},
		{name: "close reason not UTF-8", send: frames(fr{op: ws.OpClose, payload: closeData(1000, "bye\xff")}), close: CloseInvalidData},
		{name: "empty close is answered with 1000", send: frames(fr{op: ws.OpClose}), close: CloseNormal},
		{name: "close 1001 is echoed", send: frames(fr{op: ws.OpClose, payload: closeData(1001, "bye")}), close: CloseGoingAway},
		{name: "close 3000 is echoed", send: frames(fr{op: ws.OpClose, payload: closeData(3000, "")}), close: 3000},
		{name: "close 4999 is echoed", send: frames(fr{op: ws.OpClose, payload: closeData(4999, "")}), close: 4999},
		{name: "close between fragments", send: frames(fr{op: ws.OpText, payload: split[:5], more: true}, fr{op: ws.OpClose, payload: closeData(1000, "")}), close: CloseNormal},
	}
}

// reassemblyReadCases: reassembly of fragmented messages.
func reassemblyReadCases() []readCase {
	split := ping(0)
	utf := `{"type":"ping","pad":"é€😀"}` // runes of 2, 3 and 4 bytes
	return []readCase{
		{name: "ping whole", send: frames(fr{op: ws.OpText, payload: ping(0)}), want: []out{appPong}},
		{name: "ping in three fragments", send: frames(
			fr{op: ws.OpText, payload: split[:3], more: true},
			fr{op: ws.OpContinuation, payload: split[3:9], more: true},
			fr{op: ws.OpContinuation, payload: split[9:]}), want: []out{appPong}},
		{name: "ping in one-byte fragments", send: oneByteFragments(split), want: []out{appPong}},
		{name: "empty first and last fragments", send: frames(
			fr{op: ws.OpText, more: true},
			fr{op: ws.OpContinuation, payload: split, more: true},
			fr{op: ws.OpContinuation}), want: []out{appPong}},
		{name: "control frames between fragments", send: frames(
			fr{op: ws.OpText, payload: split[:4], more: true},
			fr{op: ws.OpPing, payload: "between"},
			fr{op: ws.OpContinuation, payload: split[4:8], more: true},
			fr{op: ws.OpPong, payload: "unsolicited"},
			fr{op: ws.OpContinuation, payload: split[8:]}), want: []out{{ws.OpPong, "between"}, appPong}},
		{name: "runes split between fragments", send: frames(
			fr{op: ws.OpText, payload: utf[:23], more: true},           // inside é
			fr{op: ws.OpContinuation, payload: utf[23:25], more: true}, // inside €
			fr{op: ws.OpContinuation, payload: utf[25:28], more: true}, // inside 😀
			fr{op: ws.OpContinuation, payload: utf[28:]}), want:        []out{appPong}},
		{name: "two fragmented messages in a row", send: frames(
			fr{op: ws.OpText, payload: split[:5], more: true}, fr{op: ws.OpContinuation, payload: split[5:]},
			fr{op: ws.OpText, payload: split[:7], more: true}, fr{op: ws.OpContinuation, payload: split[7:]}), want: []out{appPong, appPong}},
		{name: "fragments adding up to the limit", send: frames(
			fr{op: ws.OpText, payload: ping(testMaxFrame)[:100], more: true},
			fr{op: ws.OpContinuation, payload: ping(testMaxFrame)[100:]}), want: []out{appPong}},
		{name: "fragments adding up to one byte over the limit", send: frames(
			fr{op: ws.OpText, payload: ping(testMaxFrame + 1)[:100], more: true},
			fr{op: ws.OpContinuation, payload: ping(testMaxFrame + 1)[100:]}), close: CloseTooLarge},
		{name: "a fragmented text other than ping", send: frames(
			fr{op: ws.OpText, payload: `{"type":`, more: true},
			fr{op: ws.OpContinuation, payload: `"subscribe"}`}), close: ClosePolicy},
	}
}

func oneByteFragments(s string) []byte {
	var fs []fr
	for i := range len(s) {
		op := ws.OpContinuation
		if i == 0 {
			op = ws.OpText
		}
		fs = append(fs, fr{op: op, payload: s[i : i+1], more: i < len(s)-1})
	}
	return frames(fs...)
}

// startWS serves sockets of user 1 over HTTP, with the epoll poller
// unless noPoller, as the node does.
func startWS(t *testing.T, noPoller bool) string {
	t.Helper()
	h := hub.New()
	cfg := Config{MaxFrame: testMaxFrame, NoPoller: noPoller}
	s := NewServer(h, newMemStore(0, 0), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go s.Run(ctx)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Serve(w, r, Params{UserID: 1, Role: parkmate.RoleDriver, Proto: 2})
	}))
	t.Cleanup(ts.Close)
	return "ws://" + strings.TrimPrefix(ts.URL, "http://") + "/ws/notifications/1/?proto=2"
}

// dialPeer opens a socket to url and returns its client end.
func dialPeer(t *testing.T, url string) *peer {
	t.Helper()
	conn, br, _, err := ws.Dialer{Timeout: 5 * time.Second}.Dial(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := newPeer(t, conn)
	if br != nil {
		p.rd = br
	}
	return p
}

// payloadOf returns the payload of a server frame's bytes.
func payloadOf(h ws.Header, raw []byte) string { return string(raw[len(raw)-int(h.Length):]) }

// expectClosed reads a close frame with code want and then the end of the
// connection.
func (p *peer) expectClosed(want int, racesPong bool) {
	p.t.Helper()
	h, raw, err := p.next()
	if racesPong && err == nil && h.OpCode == ws.OpText && payloadOf(h, raw) == appPong.payload {
		h, raw, err = p.next()
	}
	if err != nil || h.OpCode != ws.OpClose {
		p.t.Fatalf("got %v %q (%v), want close %d", h.OpCode, raw, err, want)
	}
	if got := closeCode(raw); got != want {
		p.t.Fatalf("close %d (%q), want %d", got, payloadOf(h, raw), want)
	}
	if h, raw, err := p.next(); err != io.EOF {
		p.t.Fatalf("after the close: %v %q (%v), want the connection closed", h.OpCode, raw, err)
	}
}

// Each client stream of readCases, over a real socket served by
// Server.Serve, read by the epoll poller and by a reading goroutine: the
// server answers what it should, then closes with the expected code and
// ends the connection, or keeps the socket open.
func TestStrictReadPath(t *testing.T) {
	for _, mode := range []struct {
		name     string
		noPoller bool
	}{{"epoll", false}, {"goroutine", true}} {
		t.Run(mode.name, func(t *testing.T) {
			url := startWS(t, mode.noPoller)
			eachCase(t, func(t *testing.T, tc readCase) { runReadCase(t, url, tc, false) })
		})
	}
}

// The stream can arrive in any pieces: the same cases, written a byte at
// a time, give the same answers (the poller wakes for each piece).
func TestStrictReadPathByteByByte(t *testing.T) {
	url := startWS(t, false)
	eachCase(t, func(t *testing.T, tc readCase) { runReadCase(t, url, tc, true) })
}

// runReadCase sends tc's stream on a new socket, whole or a byte at a
// time, and checks the server's answer.
func runReadCase(t *testing.T, url string, tc readCase, byteByByte bool) {
	p := dialPeer(t, url)
	if !byteByByte {
		if _, err := p.conn.Write(tc.send); err != nil {
			t.Fatal(err)
		}
	} else {
		_ = p.conn.(*net.TCPConn).SetNoDelay(true)
		for i := range tc.send {
			if _, err := p.conn.Write(tc.send[i : i+1]); err != nil {
				break // the server closed after a frame it refused
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	for i, w := range tc.want {
		h, raw, err := p.next()
		if err != nil || h.OpCode != w.op || payloadOf(h, raw) != w.payload {
			t.Fatalf("frame %d: %v %q (%v), want %v %q", i, h.OpCode, raw, err, w.op, w.payload)
		}
	}
	if tc.close != 0 {
		p.expectClosed(tc.close, tc.racesPong)
		return
	}
	// Still open: a close of our own is echoed, and the server ends the
	// connection.
	if _, err := p.conn.Write(frames(fr{op: ws.OpClose, payload: closeData(1000, "done")})); err != nil {
		t.Fatal(err)
	}
	p.expectClosed(CloseNormal, false)
}

// eachCase runs fn for every row of readCases at once, each a subtest of
// t: most rows wait out the second the server gives a peer to answer its
// close, whatever -parallel says.
func eachCase(t *testing.T, fn func(t *testing.T, tc readCase)) {
	var wg sync.WaitGroup
	for _, tc := range readCases() {
		wg.Go(func() { t.Run(tc.name, func(t *testing.T) { fn(t, tc) }) })
	}
	wg.Wait()
}
