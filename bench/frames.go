package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WebSocket opcodes the reader handles (RFC 6455, 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opClose        = 0x8
	opPing         = 0x9
)

// maxFramePayload bounds one frame the reader accepts: far above any
// notification the server sends (its frames are whole messages).
const maxFramePayload = 16 << 20

// frameReader reads a server's WebSocket frames from a buffered reader
// without allocating per frame: a payload that fits in the bufio buffer is
// returned in place (valid until the next call), a larger one is copied
// into a buffer the reader keeps. Fragmented messages are reassembled.
type frameReader struct {
	br      *bufio.Reader
	buf     []byte // a payload larger than br's buffer, or a reassembled message
	discard int    // bytes of br to skip before the next frame (the last payload returned in place)
	// A fragmented message being reassembled in buf (control frames may
	// come between its fragments) and its opcode.
	fragmented bool
	fragOp     byte
}

// buffered returns how many bytes of the socket are buffered beyond the
// frame last returned: 0 means the next frame needs a read from the socket.
func (fr *frameReader) buffered() int { return fr.br.Buffered() - fr.discard }

// next returns the next message or control frame: its opcode and payload.
func (fr *frameReader) next() (op byte, payload []byte, err error) {
	if fr.discard > 0 {
		_, _ = fr.br.Discard(fr.discard)
		fr.discard = 0
	}
	for {
		fin, op, n, err := fr.header()
		if err != nil {
			return 0, nil, err
		}
		if op >= opClose {
			// A control frame, possibly between fragments: whole, small.
			if !fin || n > 125 {
				return 0, nil, errors.New("bench: invalid control frame")
			}
			p, err := fr.payload(n, false)
			return op, p, err
		}
		switch {
		case op == opContinuation && !fr.fragmented:
			return 0, nil, errors.New("bench: continuation without a first fragment")
		case op != opContinuation && fr.fragmented:
			return 0, nil, errors.New("bench: new message inside a fragmented one")
		}
		if fin && !fr.fragmented {
			p, err := fr.payload(n, false)
			return op, p, err
		}
		if !fr.fragmented {
			fr.fragmented, fr.fragOp, fr.buf = true, op, fr.buf[:0]
		}
		if _, err := fr.payload(n, true); err != nil {
			return 0, nil, err
		}
		if fin {
			fr.fragmented = false
			return fr.fragOp, fr.buf, nil
		}
	}
}

// header reads a frame header. Server frames are unmasked (RFC 6455, 5.1).
func (fr *frameReader) header() (fin bool, op byte, n int, err error) {
	h, err := fr.br.Peek(2)
	if err != nil {
		return false, 0, 0, err
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0f
	if h[0]&0x70 != 0 || h[1]&0x80 != 0 {
		return false, 0, 0, errors.New("bench: reserved bits or a mask on a server frame")
	}
	size, l := 2, uint64(h[1]&0x7f)
	switch l {
	case 126:
		size = 4
	case 127:
		size = 10
	}
	if h, err = fr.br.Peek(size); err != nil {
		return false, 0, 0, err
	}
	switch size {
	case 4:
		l = uint64(binary.BigEndian.Uint16(h[2:]))
	case 10:
		l = binary.BigEndian.Uint64(h[2:])
	}
	if l > maxFramePayload {
		return false, 0, 0, fmt.Errorf("bench: frame of %d bytes", l)
	}
	_, _ = fr.br.Discard(size)
	return fin, op, int(l), nil
}

// payload returns the next n bytes: in place when they fit the buffer and
// not appending, else copied (appended to fr.buf when appending).
func (fr *frameReader) payload(n int, appending bool) ([]byte, error) {
	if !appending && n <= fr.br.Size() {
		p, err := fr.br.Peek(n)
		if err != nil {
			return nil, noEOF(err)
		}
		fr.discard = n
		return p, nil
	}
	if !appending {
		fr.buf = fr.buf[:0]
	}
	start := len(fr.buf)
	fr.buf = append(fr.buf, make([]byte, n)...)
	if _, err := io.ReadFull(fr.br, fr.buf[start:]); err != nil {
		return nil, noEOF(err)
	}
	return fr.buf[start:], nil
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// closePayload parses a close frame's payload: its code (1005 when it has
// none) and reason.
func closePayload(p []byte) (code int, reason string) {
	if len(p) < 2 {
		return 1005, ""
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:])
}
