package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/time/rate"

	"parkmate"
	"parkmate/sqlstore"
)

// dialSmallBuffer opens u's socket with query over a TCP connection whose
// receive buffer is rcvbuf bytes, so the server's writes wait for the
// client's reads. It returns the connection and the reader of its frames.
func dialSmallBuffer(t *testing.T, srv *testServer, u *client, query string, rcvbuf int) (net.Conn, io.Reader) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
		return errors.Join(err, serr)
	}}
	dialer := ws.Dialer{
		Header:  ws.HandshakeHeaderHTTP(http.Header{"Authorization": {"Bearer " + u.token}}),
		NetDial: d.DialContext,
		Timeout: 5 * time.Second,
	}
	url := fmt.Sprintf("ws://%s/ws/notifications/%d/%s", strings.TrimPrefix(srv.base, "http://"), u.ID, query)
	conn, br, _, err := dialer.Dial(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if br != nil {
		return conn, io.MultiReader(br, conn)
	}
	return conn, conn
}

// pacedReader is a slow but live client's reading: reads of at most max
// bytes, at most perSec bytes a second, and after a pause no catching up
// beyond a burst of eight reads.
type pacedReader struct {
	r   io.Reader
	max int
	lim *rate.Limiter
}

func newPacedReader(r io.Reader, perSec, max int) *pacedReader {
	return &pacedReader{r: r, max: max, lim: rate.NewLimiter(rate.Limit(perSec), 8*max)}
}

func (p *pacedReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b[:min(len(b), p.max)])
	if n > 0 {
		_ = p.lim.WaitN(context.Background(), n)
	}
	return n, err
}

// storeNotifications stores n notifications for user in one transaction,
// each with pad bytes of data, and returns their ids in order.
func storeNotifications(t *testing.T, srv *testServer, user int64, n, pad int) []int64 {
	t.Helper()
	data, _ := json.Marshal(map[string]string{"pad": strings.Repeat("x", pad)})
	notes := make([]parkmate.Notification, n)
	for i := range notes {
		notes[i] = parkmate.Notification{UserID: user, Type: parkmate.LevelInfo, Message: fmt.Sprintf("stored %d", i), Event: "test.publish", Data: data}
	}
	var ids []int64
	err := srv.app.db.Update(context.Background(), func(tx *sqlstore.Tx) error {
		out, err := tx.AddNotifications(notes)
		for _, n := range out {
			ids = append(ids, n.ID)
		}
		return err
	})
	if err != nil || len(ids) != n {
		t.Fatalf("store %d notifications: %d stored, %v", n, len(ids), err)
	}
	return ids
}

// A slow but live client catching up on a long history (since=0) gets all
// of it, in order, exactly once. It reads about 1 MB a second through a
// small receive buffer, so the server's writes wait for its reads: it
// takes a write's worth of bytes (socket.DefaultWriteChunk, 64 KiB) in 60
// to 150 ms, well within the write timeout. A deadline over a whole
// replay page fails it: the kernel's send buffer grows to megabytes, and
// once full it wakes a blocked writer only after a third of it drained,
// which takes this client longer than the write timeout.
func TestSlowClientCatchesUpOnALongHistory(t *testing.T) {
	const (
		stored       = 20000
		pad          = 700     // bytes of data per notification: frames of about 800 bytes
		perSec       = 1 << 20 // bytes the client reads a second
		readSize     = 2048    // bytes the client reads at a time
		writeTimeout = 500 * time.Millisecond
	)
	cfg := testConfig(t)
	cfg.WSWriteTimeout = writeTimeout
	srv := startServer(t, cfg, nil)
	u := srv.user("dana", parkmate.RoleDriver)
	ids := storeNotifications(t, srv, u.ID, stored, pad)

	conn, rd := dialSmallBuffer(t, srv, u, "?since=0", 8192)
	w := &wsClient{t: t, conn: conn, frames: make(chan frame, stored+1), closed: make(chan closeInfo, 1)}
	go w.read(newPacedReader(rd, perSec, readSize))
	for i, id := range ids {
		if f := w.next(); f.ID != id || f.Message != fmt.Sprintf("stored %d", i) {
			t.Fatalf("frame %d: id %d %q, want id %d", i, f.ID, f.Message, id)
		}
	}
	// Sentinel: a live notification is the next frame, so nothing stored
	// came twice or late.
	live := publish(t, srv, []int64{u.ID}, "live")
	if f := w.next(); f.ID != live[0] || f.Message != "live" {
		t.Fatalf("after the history: %+v, want the live notification %d", f, live[0])
	}
}
