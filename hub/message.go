package hub

import (
	"encoding/json"
	"strconv"

	"github.com/gobwas/ws"

	"parkmate"
)

// Kind says what a Message does at the sockets.
type Kind uint8

// Message kinds.
const (
	// KindNotification is a stored notification for a user or a group.
	KindNotification Kind = iota + 1
	// KindReadState tells a user's proto-2 sockets that notifications
	// were marked read.
	KindReadState
	// KindSessionEnded closes the sockets of one session (logout) with 4401.
	KindSessionEnded
)

// Message travels from the node that committed a change, through the
// broker, to every node's hub. Frame is the JSON text frame the sockets
// send; Wire, compiled once per node, is that frame with its WebSocket
// header (server frames are unmasked, so every socket sends the same bytes).
type Message struct {
	Kind      Kind            `json:"k"`
	UserID    int64           `json:"u,omitempty"`
	Group     string          `json:"g,omitempty"`
	SessionID string          `json:"s,omitempty"`
	ID        int64           `json:"i,omitempty"`
	Frame     json.RawMessage `json:"f,omitempty"`

	wire []byte
}

// Wire returns the message's frame as WebSocket bytes, compiling it once.
// It is not safe for concurrent first use; the hub compiles before fan-out.
func (m *Message) Wire() []byte {
	if m.wire == nil {
		m.wire = CompileText(m.Frame)
	}
	return m.wire
}

// CompileText returns payload as one unmasked WebSocket text frame.
func CompileText(payload []byte) []byte {
	b, err := ws.CompileFrame(ws.NewTextFrame(payload))
	if err != nil {
		// Only a frame of an impossible length fails to compile.
		panic("hub: compile frame: " + err.Error())
	}
	return b
}

// NotificationMessage encodes a stored notification as a Message.
func NotificationMessage(n parkmate.Notification) (Message, error) {
	frame, err := json.Marshal(n)
	if err != nil {
		return Message{}, err
	}
	return Message{Kind: KindNotification, UserID: n.UserID, Group: n.GroupKey, ID: n.ID, Frame: frame}, nil
}

// ReadMessage tells a user's sockets that ids were marked read.
func ReadMessage(userID int64, ids []int64) Message {
	b := []byte(`{"type":"read","ids":[`)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	b = append(b, "]}"...)
	return Message{Kind: KindReadState, UserID: userID, Frame: b}
}

// ReadAllMessage tells a user's sockets that every id up to upTo was read.
func ReadAllMessage(userID, upTo int64) Message {
	b := strconv.AppendInt([]byte(`{"type":"read_all","up_to":`), upTo, 10)
	return Message{Kind: KindReadState, UserID: userID, Frame: append(b, '}')}
}

// SessionEndedMessage closes the sockets of a session.
func SessionEndedMessage(userID int64, sessionID string) Message {
	return Message{Kind: KindSessionEnded, UserID: userID, SessionID: sessionID}
}
