package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// client is one bench user with (at most) one WebSocket connection.
type client struct {
	idx  int
	sess session
	tr   *tracker

	mu         sync.Mutex
	conn       net.Conn
	dropping   bool          // the scenario closed the connection on purpose
	readerDone chan struct{} // closed when the current connection's reader ends
}

func (c *client) connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn != nil
}

// flexInt decodes a JSON number or a string holding one.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(v)
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*f = flexInt(v)
	return nil
}

// frame is what the bench reads of a notification frame. Its byte fields
// point into the buffer the frame was read from: they are valid until the
// socket's next frame is read.
type frame struct {
	ID    int64
	Event []byte
	Data  frameData
}

type frameData struct {
	Bench     []byte
	Seq       int64
	TS        int64
	PaymentID int64
}

// parseFrame decodes a frame into f: without allocating when it can
// (scanFrame), else with encoding/json, which decodes the data object
// leniently (other events may carry fields of other types under the same
// names, or numbers that went through a float).
func parseFrame(b []byte, f *frame) error {
	if scanFrame(b, f) {
		return nil
	}
	return decodeFrame(b, f)
}

// decodeFrame is parseFrame with encoding/json.
func decodeFrame(b []byte, f *frame) error {
	*f = frame{}
	var raw struct {
		ID    json.Number     `json:"id"`
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	f.Event = []byte(raw.Event)
	if raw.ID != "" {
		id, err := raw.ID.Int64()
		if err != nil {
			return fmt.Errorf("frame id %q is not an integer", raw.ID)
		}
		f.ID = id
	}
	if len(raw.Data) > 0 && raw.Data[0] == '{' {
		// Field by field, so that one odd field does not hide the others.
		var m map[string]json.RawMessage
		if json.Unmarshal(raw.Data, &m) == nil {
			var bench string
			if json.Unmarshal(m["bench"], &bench) == nil {
				f.Data.Bench = []byte(bench)
			}
			var seq, ts, pay flexInt
			seq.UnmarshalJSON(m["seq"])
			ts.UnmarshalJSON(m["ts"])
			pay.UnmarshalJSON(m["payment_id"])
			f.Data.Seq, f.Data.TS, f.Data.PaymentID = int64(seq), int64(ts), int64(pay)
		}
	}
	return nil
}

// classifyFunc tells, for a notification frame received at now, the tracked key
// it carries (if any) and its latency in ms (negative: none).
type classifyFunc func(f *frame, now time.Time) (key int64, hasKey bool, latMs float64)

// wsURL is the socket URL of user id.
func (r *runner) wsURL(userID int64, since int64, useSince bool) string {
	u := fmt.Sprintf("%s/ws/notifications/%d/", r.wsBase, userID)
	if useSince {
		u += "?since=" + strconv.FormatInt(since, 10)
	}
	return u
}

// netDial dials TCP, spreading connections over the loopback source
// addresses when the server is on loopback.
func (r *runner) netDial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	if n := len(r.srcIPs); n > 0 {
		ip := r.srcIPs[r.srcNext.Add(1)%uint64(n)]
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return d.DialContext(ctx, network, addr)
}

// handshakeError is a refused upgrade.
type handshakeError struct {
	Status int
	Body   string
}

func (e *handshakeError) Error() string {
	return fmt.Sprintf("websocket handshake refused: HTTP %d %s", e.Status, e.Body)
}

// dial opens c's socket, resuming after since when useSince.
func (r *runner) dial(ctx context.Context, c *client, since int64, useSince bool) (net.Conn, *bufio.Reader, error) {
	var herr *handshakeError
	d := ws.Dialer{
		Timeout: 30 * time.Second,
		Header: ws.HandshakeHeaderHTTP(http.Header{
			"Authorization": {"Bearer " + c.sess.Access},
		}),
		NetDial: r.netDial,
		OnStatusError: func(status int, reason []byte, resp io.Reader) {
			body, _ := io.ReadAll(io.LimitReader(resp, 512))
			herr = &handshakeError{Status: status, Body: string(truncate(body, 200))}
		},
	}
	conn, br, _, err := d.Dial(ctx, r.wsURL(c.sess.User.ID, since, useSince))
	if err != nil {
		if herr != nil {
			return nil, nil, herr
		}
		return nil, nil, err
	}
	if br == nil {
		br = bufio.NewReaderSize(conn, 4096)
	}
	return conn, br, nil
}

var errDropped = errors.New("client is dropped")

// connect opens c's socket and starts its reader.
func (r *runner) connect(ctx context.Context, c *client, since int64, useSince bool) error {
	conn, br, err := r.dial(ctx, c, since, useSince)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.dropping || r.stopping.Load() {
		c.mu.Unlock()
		conn.Close()
		return errDropped
	}
	old := c.conn
	c.conn = conn
	done := make(chan struct{})
	c.readerDone = done
	c.mu.Unlock()
	if old != nil {
		old.Close()
	}
	r.readers.Add(1)
	go func() {
		defer r.readers.Done()
		err := r.readLoop(c, conn, br)
		close(done)
		r.onDisconnect(c, conn, err)
	}()
	return nil
}

// obsBatch is the most frames a reader observes before it hands them to
// its tracker; it hands them over sooner when the socket has nothing more
// buffered, before it would block.
const obsBatch = 256

// readLoop reads c's frames until the connection ends. It allocates
// nothing per frame (see frameReader and scanFrame) and hands what it saw
// to the tracker in batches: one lock per read from the socket rather than
// one per frame.
//
// Control frames are handled here: a close code the RFC does not define,
// such as 1013 (try again later), which the server uses for slow clients,
// is reported as sent, and a failed close reply does not hide it.
func (r *runner) readLoop(c *client, conn net.Conn, br *bufio.Reader) error {
	fr := frameReader{br: br}
	var f frame
	batch := make([]observation, 0, obsBatch)
	defer func() { c.tr.observeAll(batch) }()
	for {
		if len(batch) > 0 && (fr.buffered() == 0 || len(batch) == cap(batch)) {
			c.tr.observeAll(batch)
			batch = batch[:0]
		}
		op, p, err := fr.next()
		if err != nil {
			return err
		}
		switch op {
		case opPing:
			// A failed write shows up as a failed read soon enough.
			ws.WriteFrame(conn, ws.MaskFrameInPlace(ws.NewPongFrame(bytes.Clone(p))))
			continue
		case opClose:
			code, reason := closePayload(p)
			body := []byte(nil)
			if code != int(ws.StatusNoStatusRcvd) {
				body = ws.NewCloseFrameBody(ws.StatusCode(code), "")
			}
			ws.WriteFrame(conn, ws.MaskFrameInPlace(ws.NewCloseFrame(body)))
			return wsutil.ClosedError{Code: ws.StatusCode(code), Reason: reason}
		case opText:
		default:
			continue
		}
		now := time.Now()
		if err := parseFrame(p, &f); err != nil {
			r.warn("undecodable frame: %v: %q", err, truncate(p, 120))
			continue
		}
		if f.ID == 0 {
			// Not a notification (proto 2 frames are not asked for).
			r.warn("frame without id: %q", truncate(p, 120))
			continue
		}
		o := observation{id: f.ID, lat: -1, at: now.UnixNano()}
		if cl := r.classify; cl != nil {
			o.key, o.hasKey, o.lat = cl(&f, now)
		}
		batch = append(batch, o)
	}
}

// closeReason names why a connection ended, for close_codes.
func closeReason(err error) (reason string, final bool) {
	var ce wsutil.ClosedError
	if errors.As(err, &ce) {
		code := int(ce.Code)
		return strconv.Itoa(code), code == 4401 || code == 4403
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof", false
	case errors.Is(err, syscall.ECONNRESET):
		return "reset", false
	case errors.Is(err, net.ErrClosed):
		return "closed", false
	}
	return "error", false
}

// onDisconnect handles the end of one of c's connections: nothing when the
// bench closed it, else reconnect with backoff and resume with ?since=, as
// the contract asks of a client.
func (r *runner) onDisconnect(c *client, conn net.Conn, err error) {
	conn.Close()
	c.mu.Lock()
	if c.conn != conn {
		// The bench closed it (drop, closeAll) or replaced it.
		c.mu.Unlock()
		return
	}
	c.conn = nil
	dropping := c.dropping
	c.mu.Unlock()
	if dropping || r.stopping.Load() {
		return
	}
	reason, final := closeReason(err)
	r.unplanned.Add(1)
	r.countClose(reason)
	if final {
		r.warn("user %s: socket closed with %s: %v; not reconnecting", c.sess.User.Username, reason, err)
		return
	}
	backoff := 100 * time.Millisecond
	for attempt := 0; attempt < 30; attempt++ {
		sleep := backoff/2 + rand.N(backoff)
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(sleep):
		}
		backoff = min(backoff*2, 2*time.Second)
		if r.stopping.Load() {
			return
		}
		err := r.connect(r.ctx, c, c.tr.last(), true)
		if err == nil || errors.Is(err, errDropped) {
			return
		}
		var he *handshakeError
		if errors.As(err, &he) && (he.Status == 401 || he.Status == 403) {
			r.warn("user %s: reconnect refused: %v", c.sess.User.Username, err)
			return
		}
	}
	r.warn("user %s: gave up reconnecting", c.sess.User.Username)
}

// drop closes c's connection abruptly (RST, no close frame), as a crashed
// node or a deploy would, and waits for its reader to end.
func (r *runner) drop(c *client) {
	c.mu.Lock()
	c.dropping = true
	conn, done := c.conn, c.readerDone
	c.conn = nil
	c.mu.Unlock()
	if conn == nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
	if done != nil {
		<-done
	}
}

// closeAll ends every connection at the end of a run.
func (r *runner) closeAll() {
	r.stopping.Store(true)
	for _, c := range r.clients {
		c.mu.Lock()
		conn := c.conn
		c.conn = nil
		c.mu.Unlock()
		if conn != nil {
			conn.Close()
		}
	}
	done := make(chan struct{})
	go func() { r.readers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// aliveCount is how many clients hold a connection.
func (r *runner) aliveCount() int {
	n := 0
	for _, c := range r.clients {
		if c.connected() {
			n++
		}
	}
	return n
}
