package socket

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

var pongFrame = textFrame([]byte(`{"type":"pong"}`))

// frameTimeout bounds reading the rest of a frame once it has begun.
const frameTimeout = 10 * time.Second

// readFrame reads and unmasks one client frame; false means the socket
// must end (the error was answered with a close frame where one applies).
// It enforces RFC 6455 on the header: RSV bits, reserved opcodes, masking,
// control frames whole and at most 125 bytes, and continuation frames only
// inside a fragmented message (1002); and the frame limit on the whole
// message, fragments so far included (1009).
func (c *Conn) readFrame(buf *[]byte) (ws.Header, []byte, bool) {
	h, err := ws.ReadHeader(c.rd)
	if err != nil {
		if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
			c.Kick(CloseProtocol, "invalid payload length")
		}
		return h, nil, false
	}
	state := ws.StateServerSide
	if c.fragmented {
		state |= ws.StateFragmented
	}
	if err := ws.CheckHeader(h, state); err != nil {
		c.Kick(CloseProtocol, headerReason(err))
		return h, nil, false
	}
	limit := c.srv.cfg.MaxFrame
	if !h.OpCode.IsControl() {
		limit -= int64(len(c.partial))
	}
	if h.Length > limit {
		c.Kick(CloseTooLarge, "message too large")
		return h, nil, false
	}
	if int64(cap(*buf)) < h.Length {
		*buf = make([]byte, h.Length)
	}
	payload := (*buf)[:h.Length]
	if _, err := io.ReadFull(c.rd, payload); err != nil {
		return h, nil, false
	}
	ws.Cipher(payload, h.Mask, 0)
	c.lastRead.Store(time.Now().Unix())
	return h, payload, true
}

// headerReason is the close reason for a header ws.CheckHeader refused.
func headerReason(err error) string {
	switch {
	case errors.Is(err, ws.ErrProtocolNonZeroRsv):
		return "RSV bits set without an extension"
	case errors.Is(err, ws.ErrProtocolOpCodeReserved):
		return "reserved opcode"
	case errors.Is(err, ws.ErrProtocolMaskRequired):
		return "client frames must be masked"
	case errors.Is(err, ws.ErrProtocolControlPayloadOverflow), errors.Is(err, ws.ErrProtocolControlNotFinal):
		return "control frames must be whole and at most 125 bytes"
	case errors.Is(err, ws.ErrProtocolContinuationUnexpected):
		return "continuation frame with no message to continue"
	case errors.Is(err, ws.ErrProtocolContinuationExpected):
		return "new message before the fragmented one ended"
	}
	return err.Error()
}

// onReadable reads the frames that woke the poller, then re-arms it.
func (c *Conn) onReadable() {
	if !c.reading.CompareAndSwap(false, true) {
		return
	}
	ok, _ := peekReadable(c)
	if ok {
		var buf []byte
		_ = c.nc.SetReadDeadline(time.Now().Add(frameTimeout))
		h, payload, ok := c.readFrame(&buf)
		if !ok || !c.handle(h, payload) {
			c.reading.Store(false)
			c.endReading()
			return
		}
	}
	c.reading.Store(false)
	if c.closed.Load() {
		return
	}
	if err := c.srv.poller.rearm(c); err != nil {
		c.teardown()
	}
}

// endReading stops reading: at once when no close is under way, else
// after the close frame was written and the peer had a moment to answer.
func (c *Conn) endReading() {
	c.mu.Lock()
	closing := c.closing != nil
	c.mu.Unlock()
	if !closing {
		c.teardown()
	}
}

// readLoop reads frames with a goroutine of its own, for sockets the
// poller does not watch.
func (c *Conn) readLoop() {
	buf := make([]byte, 0, 128)
	for {
		c.mu.Lock()
		wait := 2 * c.srv.cfg.PingInterval
		if c.closing != nil {
			wait = closeGrace
		}
		c.mu.Unlock()
		_ = c.nc.SetReadDeadline(time.Now().Add(wait))
		h, payload, ok := c.readFrame(&buf)
		if !ok || !c.handle(h, payload) {
			c.endReading()
			return
		}
	}
}

// stale reports whether the peer has been silent for two ping intervals.
// A socket still in its handshake (lastRead unset) is not stale.
func (c *Conn) stale(now time.Time) bool {
	last := c.lastRead.Load()
	return last != 0 && now.Unix()-last > int64(2*c.srv.cfg.PingInterval/time.Second)+1
}

// handle acts on one client frame, whose header readFrame checked; false
// ends the read loop. Fragments of a text message are gathered in
// c.partial (only the reader touches it) and act as one message once the
// last arrives; control frames may come between them.
func (c *Conn) handle(h ws.Header, payload []byte) bool {
	switch h.OpCode {
	case ws.OpClose:
		return c.onClose(payload)
	case ws.OpPing:
		pong, _ := ws.CompileFrame(ws.NewPongFrame(bytes.Clone(payload)))
		c.enqueueControl(pong)
		return true
	case ws.OpPong:
		return true
	case ws.OpText:
		if h.Fin {
			return c.onText(payload)
		}
		c.fragmented = true
		c.partial = append(c.partial[:0], payload...)
		c.checked = 0
		return c.checkPartial()
	case ws.OpContinuation:
		c.partial = append(c.partial, payload...)
		if !h.Fin {
			return c.checkPartial()
		}
		msg := c.partial
		c.partial, c.fragmented, c.checked = nil, false, 0
		return c.onText(msg)
	default:
		c.Kick(ClosePolicy, "only text frames are accepted")
		return false
	}
}

// onClose answers the peer's close frame: it echoes a valid code (1000
// for an empty payload), and answers a 1-byte payload or a code RFC 6455
// does not allow with 1002, and a reason that is not UTF-8 with 1007.
func (c *Conn) onClose(payload []byte) bool {
	c.mu.Lock()
	answered := c.closing != nil
	c.peerClose = !answered
	c.mu.Unlock()
	if answered {
		c.teardown() // the peer answered our close
		return false
	}
	if len(payload) == 1 {
		c.Kick(CloseProtocol, "close frame with a 1-byte payload")
		return false
	}
	code := CloseNormal
	if len(payload) >= 2 {
		sc, reason := ws.ParseCloseFrameData(payload)
		switch err := ws.CheckCloseFrameData(sc, reason); {
		case errors.Is(err, ws.ErrProtocolInvalidUTF8):
			c.Kick(CloseInvalidData, "close reason is not UTF-8")
			return false
		case err != nil, sc > 4999:
			c.Kick(CloseProtocol, "invalid close code")
			return false
		}
		code = int(sc)
	}
	c.Kick(code, "")
	return false
}

// checkPartial fails a fragmented text message as soon as its bytes so far
// cannot begin valid UTF-8 (1007); a rune cut between fragments is fine.
func (c *Conn) checkPartial() bool {
	b := c.partial
	i := c.checked
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		if !utf8.FullRune(b[i:]) {
			break // the start of a valid rune, completed by a later fragment
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			c.Kick(CloseInvalidData, "text is not valid UTF-8")
			return false
		}
		i += size
	}
	c.checked = i
	return true
}

// onText acts on one whole text message: {"type":"ping"}, and for a
// proto-2 client {"type":"watch","lots":[...]} and
// {"type":"displayed","ids":[...]} (displayed.go).
func (c *Conn) onText(msg []byte) bool {
	if !utf8.Valid(msg) {
		c.Kick(CloseInvalidData, "text is not valid UTF-8")
		return false
	}
	var f clientFrame
	if err := json.Unmarshal(msg, &f); err != nil {
		c.Kick(ClosePolicy, c.unknownFrame())
		return false
	}
	switch {
	case f.Type == "ping":
		if c.p.Proto >= 2 {
			c.enqueueControl(pongFrame)
		}
		return true
	case f.Type == "watch" && c.p.Proto >= 2:
		return c.onWatch(msg)
	case f.Type == "displayed" && c.p.Proto >= 2:
		return c.onDisplayed(msg)
	}
	c.Kick(ClosePolicy, c.unknownFrame())
	return false
}

// unknownFrame is the close reason for a frame the server does not accept.
func (c *Conn) unknownFrame() string {
	if c.p.Proto >= 2 {
		return `unknown frame: {"type":"ping"}, {"type":"watch","lots":[...]} and {"type":"displayed","ids":[...]} are accepted`
	}
	return `unknown frame: only {"type":"ping"} is accepted`
}
