package socket

import "github.com/gobwas/ws"

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
// bytes every socket of the node writes for one message.
func textFrame(payload []byte) []byte {
	b, err := ws.CompileFrame(ws.NewTextFrame(payload))
	if err != nil {
		// Only a frame of an impossible length fails to compile.
		panic("socket: compile frame: " + err.Error())
	}
	return b
}
