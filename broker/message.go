// Package broker is the contract between the node that commits a change
// and every node's hub: the Message they exchange and the Broker that
// carries it (in memory within a process; package redisbroker between
// processes). A broker is fast and best effort; package relay makes
// delivery certain by reading what a broker lost from the database.
package broker

import (
	"encoding/json"
	"strconv"

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
	// KindLive is a live-only frame for proto-2 sockets: to a user, to a
	// group, or (Lot set) to the sockets that watch a lot.
	KindLive
)

// Proto2Only reports whether messages of kind k are frames that only
// proto-2 sockets receive: everything but notifications and session ends.
// A seed-era client must never get a frame whose type is not a level.
func (k Kind) Proto2Only() bool { return k == KindReadState || k == KindLive }

// Message travels from the node that committed a change, through the
// broker, to every node's hub. Frame is the JSON text frame the sockets
// send.
type Message struct {
	Kind      Kind   `json:"k"`
	UserID    int64  `json:"u,omitempty"`
	Group     string `json:"g,omitempty"`
	SessionID string `json:"s,omitempty"`
	ID        int64  `json:"i,omitempty"`
	// Lot addresses a KindLive message to the sockets watching that lot.
	Lot   int64           `json:"l,omitempty"`
	Frame json.RawMessage `json:"f,omitempty"`

	wire []byte
}

// Encoded returns encode(m.Frame), made on the first call and kept, so
// every socket of a node sends the same bytes (server frames are unmasked).
// It is not safe for concurrent first use: a node's hub fans one message
// out at a time.
func (m *Message) Encoded(encode func([]byte) []byte) []byte {
	if m.wire == nil {
		m.wire = encode(m.Frame)
	}
	return m.wire
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

// LiveMessages encodes what a committed transaction tells screens: one
// message per user told of each change (and one to the admins' group, or
// to everyone),
// and one per slot change to the lot's watchers. Frames are
// {"type":"changed",...} and {"type":"slot",...}.
func LiveMessages(l parkmate.Live) ([]Message, error) {
	var out []Message
	for _, c := range l.Changes {
		frame, err := json.Marshal(struct {
			Type string `json:"type"`
			parkmate.Change
		}{"changed", c})
		if err != nil {
			return nil, err
		}
		for _, u := range c.UserIDs {
			out = append(out, Message{Kind: KindLive, UserID: u, Frame: frame})
		}
		switch {
		case c.Everyone:
			out = append(out, Message{Kind: KindLive, Group: parkmate.GroupAll, Frame: frame})
		case c.Admins:
			out = append(out, Message{Kind: KindLive, Group: parkmate.RoleGroup(parkmate.RoleAdmin), Frame: frame})
		}
	}
	for _, sc := range l.Slots {
		frame, err := json.Marshal(struct {
			Type string `json:"type"`
			parkmate.SlotChange
		}{"slot", sc})
		if err != nil {
			return nil, err
		}
		out = append(out, Message{Kind: KindLive, Lot: sc.LotID, Frame: frame})
	}
	return out, nil
}
