//go:build !linux

package socket

import "net"

// limitUnsent is Linux-only (TCP_NOTSENT_LOWAT); elsewhere the kernel's
// send buffer is left as it is.
func limitUnsent(net.Conn, int) error { return nil }
