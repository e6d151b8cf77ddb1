//go:build linux

package socket

import (
	"errors"

	"golang.org/x/sys/unix"
)

// directWrites says whether sockets are written directly (flushLocked).
const directWrites = true

// maxIovecs bounds the frames of one direct write (IOV_MAX is 1024).
const maxIovecs = 64

// writeNow writes bufs to the socket's descriptor without waiting (it is
// non-blocking, as Go makes every socket's) and returns how many bytes
// the kernel took: fewer than asked, maybe none, when the socket's buffer
// is full. The error is not nil only when the connection failed. The
// caller holds the Conn's lock and has checked that it is not closed:
// teardown sets closed before it takes that lock, and closes the
// descriptor only after, so the descriptor is still this socket's.
func writeNow(fd int, bufs [][]byte) (int, error) {
	var n int
	var err error
	if len(bufs) == 1 {
		n, err = unix.Write(fd, bufs[0])
	} else {
		n, err = unix.Writev(fd, bufs)
	}
	n = max(n, 0)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		return n, nil
	}
	return n, err
}
