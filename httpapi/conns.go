package httpapi

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// LimitConnsPerAddr returns a listener that keeps at most max connections
// open from one client IP address at a time, sockets included, so that one
// host cannot take every descriptor of the process. A connection beyond
// the cap is answered at once with 429 (and Retry-After) and closed,
// without reaching the HTTP server. max <= 0 returns ln unchanged.
//
// Behind a reverse proxy every connection comes from the proxy's address:
// give the cap room for all of them there (or 0), and cap per client in
// the proxy.
func LimitConnsPerAddr(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &connLimiter{Listener: ln, max: max, open: map[string]int{}, refusing: make(chan struct{}, maxRefusing)}
}

// maxRefusing bounds the refusals being written at once; beyond it, a
// connection over the cap is closed without an answer.
const maxRefusing = 64

type connLimiter struct {
	net.Listener
	max      int
	mu       sync.Mutex
	open     map[string]int
	refusing chan struct{}
}

// Accept returns the next connection whose address is under the cap,
// refusing the others.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := addrHost(c.RemoteAddr())
		l.mu.Lock()
		ok := l.open[host] < l.max
		if ok {
			l.open[host]++
		}
		l.mu.Unlock()
		if ok {
			return &limitedConn{Conn: c, release: func() { l.release(host) }}, nil
		}
		select {
		case l.refusing <- struct{}{}:
			go func() {
				defer func() { <-l.refusing }()
				refuseConn(c)
			}()
		default:
			c.Close()
		}
	}
}

func (l *connLimiter) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[host]--; l.open[host] <= 0 {
		delete(l.open, host)
	}
}

// tooManyConns is the whole answer to a connection over the cap.
var tooManyConns = func() string {
	body := `{"error":{"code":"too_many_connections","message":"Too many connections from your address; close some and try again."}}` + "\n"
	return "HTTP/1.1 429 Too Many Requests\r\n" +
		"Content-Type: application/json\r\n" +
		"Cache-Control: no-store\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"Retry-After: 1\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}()

// refuseConn answers 429 and closes c. It reads what the client sent for
// a moment first, so that closing does not reset the connection before
// the client reads the answer.
func refuseConn(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, tooManyConns); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

func addrHost(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// limitedConn gives its place back when it closes, however often.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// SyscallConn exposes the descriptor of the underlying connection, which
// the socket server watches with epoll.
func (c *limitedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("connection has no file descriptor")
}
