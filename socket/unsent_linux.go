//go:build linux

package socket

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// limitUnsent caps the bytes the kernel holds for nc that it has not sent
// yet (TCP_NOTSENT_LOWAT). Without the cap, the send buffer of a slow peer
// grows to tcp_wmem's maximum (4 MB by default) and, once full, wakes a
// blocked writer only after a third of it has drained: a write of a few
// bytes would wait for the peer to take megabytes. With it, a write waits
// for the peer to take about n bytes, so WriteTimeout per WriteChunk means
// what it says, and a slow socket holds little kernel memory. Bytes in
// flight, which a fast peer far away needs, are not capped.
func limitUnsent(nc net.Conn, n int) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return errors.New("connection has no file descriptor")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, n)
	}); err != nil {
		return err
	}
	return serr
}
