package socket

import (
	"testing"
	"time"

	"parkmate"
	"parkmate/broker"
)

// BenchmarkFrameEncoding measures turning a stored notification into the
// WebSocket bytes every socket of its user is sent.
func BenchmarkFrameEncoding(b *testing.B) {
	note := parkmate.Notification{ID: 123456, UserID: 42, Type: "success", Message: "Your cash payment has been verified!",
		Event: "payment.verified", Data: []byte(`{"payment_id":7,"booking_id":9,"amount":12.5}`), CreatedAt: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		m, err := broker.NotificationMessage(note)
		if err != nil {
			b.Fatal(err)
		}
		_ = m.Encoded(textFrame)
	}
}
