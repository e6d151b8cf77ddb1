package socket

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"parkmate"
	"parkmate/hub"
)

// A socket registered with the hub but still in its handshake has no
// connection yet: the sweep must leave it alone, and a teardown before
// start must close the connection start is then handed.
func TestSweepSparesSocketsInTheirHandshake(t *testing.T) {
	h := hub.New()
	s := NewServer(h, nil, Config{NoPoller: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	c := newConn(s, Params{UserID: 1, Role: parkmate.RoleDriver})
	h.Add(c)
	s.sweep(time.Now().Add(time.Hour))
	if h.Count() != 1 {
		t.Fatalf("sweep removed a socket in its handshake")
	}
	c.teardown()
	server, client := net.Pipe()
	defer client.Close()
	c.start(server, bufio.NewReader(server))
	if _, err := server.Write([]byte("x")); err == nil {
		t.Fatalf("start kept the connection of a torn-down socket open")
	}
}
