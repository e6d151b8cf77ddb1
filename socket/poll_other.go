//go:build !linux

package socket

import (
	"context"
	"errors"
)

// poller is Linux-only; elsewhere every socket has a reading goroutine.
type poller struct{}

func newPoller() (*poller, error) { return nil, errors.New("epoll is Linux-only") }

func (p *poller) watch(*Conn) error    { return errors.New("no poller") }
func (p *poller) rearm(*Conn) error    { return nil }
func (p *poller) unwatch(int)          {}
func (p *poller) run(context.Context)  {}
func peekReadable(*Conn) (bool, error) { return true, nil }
