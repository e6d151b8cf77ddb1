package socket

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/hub"
)

// contractCodes are the codes the server may close with on its own.
var contractCodes = map[int]bool{CloseNormal: true, CloseProtocol: true, CloseInvalidData: true, ClosePolicy: true, CloseTooLarge: true}

// FuzzReadFrames feeds arbitrary bytes as a client's stream (after the
// handshake) into a socket over a real TCP connection, then ends the
// client's sending side. The server must not panic, must write only
// well-formed server frames (unmasked, whole, no RSV bits, known opcodes),
// and must end the connection: with a close carrying one
// of the contract's codes (or echoing a valid code of the client's own
// close), or, when the stream was valid but ended, without one.
//
// Its seed corpus, testdata/fuzz/FuzzReadFrames, holds the stream of every
// row of readCases (file names follow the rows') and a few cut or
// oversized ones.
func FuzzReadFrames(f *testing.F) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { l.Close() })
	h := hub.New()
	s := NewServer(h, newMemStore(0, 0), Config{MaxFrame: testMaxFrame, NoPoller: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	f.Fuzz(func(t *testing.T, stream []byte) {
		client, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		server, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c := newConn(s, Params{UserID: 1, Role: parkmate.RoleDriver, Proto: 2})
		h.Add(c)
		c.start(server, bufio.NewReader(server))
		go func() {
			_, _ = client.Write(stream)
			_ = client.(*net.TCPConn).CloseWrite()
		}()
		_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
		rd := bufio.NewReader(client)
		for {
			fh, err := ws.ReadHeader(rd)
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("the server neither closed nor ended the connection")
				}
				return // the connection ended
			}
			if fh.Masked || fh.Rsv != 0 || !fh.Fin {
				t.Fatalf("malformed server frame header %+v", fh)
			}
			payload := make([]byte, fh.Length)
			if _, err := io.ReadFull(rd, payload); err != nil {
				t.Fatalf("server frame cut short: %v", err)
			}
			switch fh.OpCode {
			case ws.OpText, ws.OpPing, ws.OpPong:
			case ws.OpClose:
				if len(payload) < 2 {
					t.Fatalf("close frame without a code: %q", payload)
				}
				code, reason := ws.ParseCloseFrameData(payload)
				if !contractCodes[int(code)] && ws.CheckCloseFrameData(code, reason) != nil {
					t.Fatalf("closed with %d %q", code, reason)
				}
				// A frame after the close would be read here; the client
				// stops reading, as a client does after a close.
				return
			default:
				t.Fatalf("server frame with opcode %v", fh.OpCode)
			}
		}
	})
}
