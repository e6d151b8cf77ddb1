package broker

import (
	"bytes"
	"encoding/json"
	"strconv"

	"parkmate"
)

// idPrefix is how the JSON of every notification begins: its id is its
// first field (parkmate.Notification).
const idPrefix = `{"id":`

// NotificationMessages encodes stored notifications as Messages, in
// order. A publish stores one notification per recipient, all alike but
// for the id (and the recipient, which is not in the frame): the JSON of
// the first of a run of such notifications is built once, and each of the
// others is that JSON with its own id spliced in. A notification that
// fails to encode (stored data that is not JSON) is returned in failed,
// by index, and left out of the result; the caller decides what to send
// for it.
func NotificationMessages(notes []parkmate.Notification) (msgs []Message, failed []int) {
	msgs = make([]Message, 0, len(notes))
	var tail []byte // the JSON after the id of the run's notification
	for i, n := range notes {
		var frame []byte
		if tail != nil && sameBody(&notes[i-1], &n) {
			frame = splice(n.ID, tail)
		} else {
			var err error
			if frame, tail, err = encodeWithTail(n); err != nil {
				failed = append(failed, i)
				tail = nil
				continue
			}
		}
		msgs = append(msgs, Message{Kind: KindNotification, UserID: n.UserID, Group: n.GroupKey, ID: n.ID, Frame: frame})
	}
	return msgs, failed
}

// encodeWithTail marshals n and returns its JSON and the part of it that
// follows the id (nil when the JSON does not begin with the id).
func encodeWithTail(n parkmate.Notification) (frame, tail []byte, err error) {
	frame, err = json.Marshal(n)
	if err != nil {
		return nil, nil, err
	}
	id := strconv.AppendInt([]byte(idPrefix), n.ID, 10)
	if bytes.HasPrefix(frame, id) {
		tail = frame[len(id):]
	}
	return frame, tail, nil
}

// splice returns the JSON of a notification with id whose JSON after the
// id is tail.
func splice(id int64, tail []byte) []byte {
	b := make([]byte, 0, len(idPrefix)+20+len(tail))
	b = strconv.AppendInt(append(b, idPrefix...), id, 10)
	return append(b, tail...)
}

// sameBody reports whether a and b have the same JSON but for the id.
func sameBody(a, b *parkmate.Notification) bool {
	return a.Type == b.Type && a.Message == b.Message && a.Event == b.Event &&
		a.CreatedAt.Equal(b.CreatedAt) && a.CreatedAt.Location() == b.CreatedAt.Location() && bytes.Equal(a.Data, b.Data)
}
