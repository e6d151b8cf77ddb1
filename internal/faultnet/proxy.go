// Package faultnet provides a TCP proxy that tests put between a process
// and a service (a server node and Redis, say) to break the network
// between them on demand.
package faultnet

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// dialTimeout bounds how long the proxy waits for its target.
const dialTimeout = 5 * time.Second

// Proxy listens on 127.0.0.1 and forwards every connection to its target.
// Cut breaks the path the way a failing network does; Restore heals it.
type Proxy struct {
	target string
	ln     net.Listener
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	cut    bool
	healed chan struct{}         // closed by Restore; replaced by Cut
	links  map[*link]struct{}    // connections being forwarded
	held   map[net.Conn]struct{} // connections accepted while cut
}

// link is one forwarded connection: the client's side and the target's.
type link struct{ client, upstream net.Conn }

func (l *link) close() {
	l.client.Close()
	l.upstream.Close()
}

// Listen starts a proxy to target (host:port) on a free port of 127.0.0.1.
func Listen(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	healed := make(chan struct{})
	close(healed)
	p := &Proxy{
		target: target,
		ln:     ln,
		done:   make(chan struct{}),
		healed: healed,
		links:  map[*link]struct{}{},
		held:   map[net.Conn]struct{}{},
	}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the proxy's address (host:port), to give the client
// instead of the target's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection being forwarded, then black-holes new ones:
// they are accepted and held open, but nothing is forwarded or answered
// until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.cut {
		p.cut = true
		p.healed = make(chan struct{})
	}
	for l := range p.links {
		l.close()
		delete(p.links, l)
	}
}

// Restore forwards again: new connections, and those held since the cut
// (whatever their client sent meanwhile reaches the target late, as after
// a healed partition).
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		p.cut = false
		close(p.healed)
	}
}

// Close stops listening, closes every connection, held ones too, and
// waits for the proxy's goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	err := p.ln.Close()
	for l := range p.links {
		l.close()
	}
	for c := range p.held {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve holds c while the proxy is cut, then forwards it until either
// side closes, the proxy is cut again, or it is closed.
func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	for {
		healed, ok := p.gate(c)
		if !ok {
			c.Close()
			return
		}
		if healed != nil {
			select {
			case <-healed:
				continue
			case <-p.done:
				c.Close()
				return
			}
		}
		up, err := net.DialTimeout("tcp", p.target, dialTimeout)
		if err != nil {
			c.Close()
			return
		}
		l := &link{client: c, upstream: up}
		if p.register(l) {
			p.pipe(l)
			return
		}
		up.Close() // cut (or closed) while dialling: hold c again
	}
}

// gate reports whether c may go on (false once the proxy is closed), and
// the channel to wait on while the proxy is cut (nil when it is not). A
// conn waiting on the gate is held: Close closes it.
func (p *Proxy) gate(c net.Conn) (chan struct{}, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, false
	}
	if p.cut {
		p.held[c] = struct{}{}
		return p.healed, true
	}
	delete(p.held, c)
	return nil, true
}

// register records l as forwarded, unless the proxy was cut or closed.
func (p *Proxy) register(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.cut {
		return false
	}
	p.links[l] = struct{}{}
	return true
}

// pipe copies both ways until one side ends, then closes both.
func (p *Proxy) pipe(l *link) {
	ended := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		ended <- struct{}{}
	}
	go cp(l.upstream, l.client)
	go cp(l.client, l.upstream)
	<-ended
	l.close()
	<-ended
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}
