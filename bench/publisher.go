package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// publishTimeout bounds one publish call on a publisher's connection, as
// the HTTP client's Timeout bounds the other calls.
const publishTimeout = 60 * time.Second

// publishers keeps the keep-alive connections that publish calls use, one
// per call in flight. net/http's Transport hands each request to a writer
// goroutine and its answer back from a reader goroutine: two wake-ups per
// call, which the latency, measured from the time the body was made,
// would count as the server's. A publisher writes the request and reads
// the answer on the calling goroutine (net/http's ReadResponse parses it).
type publishers struct {
	host string // host:port of the server; "" when it is not plain http
	mu   sync.Mutex
	free []*publisher
}

// publisher is one keep-alive connection to the server.
type publisher struct {
	conn net.Conn
	br   *bufio.Reader
	buf  []byte // the request being written
}

func newPublishers(base string) *publishers {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return &publishers{}
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	return &publishers{host: host}
}

// call sends body to path with the service key and returns the status and
// body of the answer. A connection that fails or that the server closes
// is dropped; a call on a kept connection that finds it closed is sent
// again on a new one (the server read nothing of it).
func (ps *publishers) call(ctx context.Context, path, key string, body []byte) (int, []byte, error) {
	p, reused, err := ps.get(ctx)
	if err != nil {
		return 0, nil, err
	}
	status, data, keep, err := p.roundTrip(ctx, ps.host, path, key, body)
	if err != nil && reused && isClosedBeforeAnswer(err) {
		p.conn.Close()
		if p, _, err = ps.dial(ctx); err != nil {
			return 0, nil, err
		}
		status, data, keep, err = p.roundTrip(ctx, ps.host, path, key, body)
	}
	if err != nil || !keep {
		p.conn.Close()
		return status, data, err
	}
	ps.mu.Lock()
	ps.free = append(ps.free, p)
	ps.mu.Unlock()
	return status, data, nil
}

func (ps *publishers) get(ctx context.Context) (*publisher, bool, error) {
	ps.mu.Lock()
	if n := len(ps.free); n > 0 {
		p := ps.free[n-1]
		ps.free = ps.free[:n-1]
		ps.mu.Unlock()
		return p, true, nil
	}
	ps.mu.Unlock()
	return ps.dial(ctx)
}

func (ps *publishers) dial(ctx context.Context) (*publisher, bool, error) {
	d := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", ps.host)
	if err != nil {
		return nil, false, err
	}
	return &publisher{conn: conn, br: bufio.NewReaderSize(conn, 4096)}, false, nil
}

// close closes the kept connections.
func (ps *publishers) close() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.free {
		p.conn.Close()
	}
	ps.free = nil
}

// roundTrip writes one POST and reads its answer; keep reports whether
// the connection may carry the next call.
func (p *publisher) roundTrip(ctx context.Context, host, path, key string, body []byte) (status int, data []byte, keep bool, err error) {
	if err := p.conn.SetDeadline(time.Now().Add(publishTimeout)); err != nil {
		return 0, nil, false, err
	}
	// A cancelled run ends the call at once, as it ends net/http's.
	stop := context.AfterFunc(ctx, func() { _ = p.conn.SetDeadline(time.Now()) })
	defer func() {
		if !stop() {
			// The deadline ended the call (or would end the next one).
			err, keep = ctx.Err(), false
		}
	}()
	b := append(p.buf[:0], "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nContent-Type: application/json\r\nAccept: application/json\r\nX-Api-Key: "...)
	b = append(b, key...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	p.buf = b
	if _, err := p.conn.Write(b); err != nil {
		return 0, nil, false, err
	}
	// Peek tells a connection closed before any answer (io.EOF), which
	// ReadResponse reports as a cut answer (io.ErrUnexpectedEOF).
	if _, err := p.br.Peek(1); err != nil {
		return 0, nil, false, err
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return 0, nil, false, err
	}
	const maxAnswer = 16 << 20
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	resp.Body.Close()
	if err != nil {
		return 0, nil, false, fmt.Errorf("reading answer: %w", err)
	}
	if len(data) > maxAnswer {
		// The rest of the answer is still on the connection.
		return 0, nil, false, fmt.Errorf("answer longer than %d bytes", maxAnswer)
	}
	return resp.StatusCode, data, !resp.Close, nil
}

// isClosedBeforeAnswer reports whether a call failed because the server
// had closed the kept connection before it (an idle timeout): nothing of
// an answer came. A server that stopped after it stored the call fails
// the same way; sent again, the call counts as a duplicate in the run.
func isClosedBeforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// publishJSON sends a publish call through the publishers and decodes its
// answer as do does.
func (a *api) publishJSON(ctx context.Context, req *publishReq, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	const path = "/api/publish/"
	status, data, err := a.pubs.call(ctx, path, a.publishKey, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", http.MethodPost, path, err)
	}
	return answer(http.MethodPost, path, status, data, out)
}
