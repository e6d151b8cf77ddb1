package socket

import (
	"bytes"

	"github.com/gobwas/ws"
)

// WebSocket close codes of the contract (docs/api.md).
const (
	CloseNormal        = 1000
	CloseGoingAway     = 1001
	CloseProtocol      = 1002
	CloseInvalidData   = 1007
	ClosePolicy        = 1008
	CloseTooLarge      = 1009
	CloseInternal      = 1011
	CloseTryAgainLater = 1013
	CloseSessionEnded  = 4401
	CloseForbidden     = 4403
)

// textFrame returns payload as one unmasked WebSocket text frame: the
// bytes every socket of the node writes for one message. They are made in
// one buffer of the frame's size (ws.CompileFrame starts from 16 bytes and
// grows: two more allocations and a copy per frame).
func textFrame(payload []byte) []byte {
	h := ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(payload))}
	buf := bytes.NewBuffer(make([]byte, 0, ws.HeaderSize(h)+len(payload)))
	if err := ws.WriteHeader(buf, h); err != nil {
		// A bytes.Buffer takes every write.
		panic("socket: frame header: " + err.Error())
	}
	buf.Write(payload)
	return buf.Bytes()
}
