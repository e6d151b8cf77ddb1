//go:build linux

package socket

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// poller watches idle sockets with one epoll instance, so an idle socket
// holds no goroutine: when a socket has data, a short-lived goroutine reads
// its frames and re-arms the watch (EPOLLONESHOT).
type poller struct {
	epfd  int
	mu    sync.RWMutex
	conns map[int32]*Conn
}

func newPoller() (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	return &poller{epfd: fd, conns: map[int32]*Conn{}}, nil
}

const watchEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

// watch starts watching c's socket for readability.
func (p *poller) watch(c *Conn) error {
	fd := c.fd
	p.mu.Lock()
	p.conns[int32(fd)] = c
	p.mu.Unlock()
	ev := unix.EpollEvent{Events: watchEvents, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.forget(fd)
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

// rearm watches c again after its frames were read.
func (p *poller) rearm(c *Conn) error {
	ev := unix.EpollEvent{Events: watchEvents, Fd: int32(c.fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev)
}

// unwatch stops watching a socket; call it before the socket closes.
func (p *poller) unwatch(fd int) {
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	p.forget(fd)
}

func (p *poller) forget(fd int) {
	p.mu.Lock()
	delete(p.conns, int32(fd))
	p.mu.Unlock()
}

// run waits for readable sockets until ctx ends.
func (p *poller) run(ctx context.Context) {
	events := make([]unix.EpollEvent, 512)
	for ctx.Err() == nil {
		n, err := unix.EpollWait(p.epfd, events, 200)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		for i := 0; i < n; i++ {
			p.mu.RLock()
			c := p.conns[events[i].Fd]
			p.mu.RUnlock()
			if c != nil {
				go c.onReadable()
			}
		}
	}
	_ = unix.Close(p.epfd)
}

// peekReadable reports whether c's socket has data (or EOF) to read now,
// without blocking: a wake-up for a descriptor reused by a newer socket
// must not make a healthy idle socket wait for a frame.
func peekReadable(c *Conn) (bool, error) {
	var b [1]byte
	n, _, err := unix.Recvfrom(c.fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	switch {
	case errors.Is(err, unix.EAGAIN):
		return false, nil
	case err != nil:
		return true, nil // the read will report it
	}
	_ = n // n == 0 is EOF, which the read reports
	return true, nil
}
