package faultnet

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// echoServer answers every line with the same line and counts the
// connections it accepted.
type echoServer struct {
	ln       net.Listener
	accepted atomic.Int64
}

func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.accepted.Add(1)
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return e
}

// outcome is what a connection through the proxy does when sent a line.
type outcome int

const (
	echoes outcome = iota // the line comes back
	closed                // the connection was closed
	silent                // open, but nothing comes back
)

func (o outcome) String() string {
	return [...]string{"echoes", "closed", "silent"}[o]
}

// probe sends a line on c and reports what happened. silent is decided by
// a short read deadline: only this unit test judges absence by time, and
// a held connection is also shown to be open by forwarding after Restore.
func probe(t *testing.T, c net.Conn, r *bufio.Reader, line string) outcome {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(300 * time.Millisecond))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return closed
	}
	got, err := r.ReadString('\n')
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return silent
	case err != nil:
		return closed
	case strings.TrimSpace(got) != line:
		t.Fatalf("echo %q, want %q", got, line)
	}
	return echoes
}

func TestProxy(t *testing.T) {
	tests := []struct {
		name         string
		ops          string  // C: Cut, R: Restore, applied after the first connection is open
		old, fresh   outcome // the connection opened before the ops; one opened after
		freshDialled bool    // whether the target saw the fresh connection
	}{
		{name: "forwards", ops: "", old: echoes, fresh: echoes, freshDialled: true},
		{name: "restore without a cut changes nothing", ops: "R", old: echoes, fresh: echoes, freshDialled: true},
		{name: "cut closes open and black-holes new", ops: "C", old: closed, fresh: silent},
		{name: "cut twice", ops: "CC", old: closed, fresh: silent},
		{name: "cut then restore forwards new", ops: "CR", old: closed, fresh: echoes, freshDialled: true},
		{name: "restored then cut again", ops: "CRC", old: closed, fresh: silent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			echo := startEcho(t)
			p, err := Listen(echo.ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			old, oldR := dial(t, p)
			if got := probe(t, old, oldR, "before"); got != echoes {
				t.Fatalf("before any op: %v, want echoes", got)
			}
			for _, op := range tc.ops {
				map[rune]func(){'C': p.Cut, 'R': p.Restore}[op]()
			}
			if got := probe(t, old, oldR, "old"); got != tc.old {
				t.Errorf("connection opened before %q: %v, want %v", tc.ops, got, tc.old)
			}
			before := echo.accepted.Load()
			fresh, freshR := dial(t, p)
			if got := probe(t, fresh, freshR, "fresh"); got != tc.fresh {
				t.Errorf("connection opened after %q: %v, want %v", tc.ops, got, tc.fresh)
			}
			if dialled := echo.accepted.Load() > before; dialled != tc.freshDialled {
				t.Errorf("target saw the fresh connection: %v, want %v", dialled, tc.freshDialled)
			}
			if tc.fresh != silent {
				return
			}
			// A held connection was open all along: after Restore it is
			// forwarded, and what it sent while cut arrives.
			p.Restore()
			_ = fresh.SetReadDeadline(time.Now().Add(5 * time.Second))
			if got, err := freshR.ReadString('\n'); err != nil || got != "fresh\n" {
				t.Fatalf("held connection after Restore: %q %v, want the line sent while cut", got, err)
			}
		})
	}
}

func TestCloseEndsHeldConnections(t *testing.T) {
	echo := startEcho(t)
	p, err := Listen(echo.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p.Cut()
	c, r := dial(t, p)
	if got := probe(t, c, r, "x"); got != silent {
		t.Fatalf("held connection: %v, want silent", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// Closed with its line unread, so a reset is as good as an EOF.
	if _, err := r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("held connection after Close: %v, want it closed", err)
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("the proxy still accepts after Close")
	}
}

func dial(t *testing.T, p *Proxy) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}
