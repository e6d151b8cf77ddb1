package broker_test

import (
	"testing"

	"parkmate/broker"
	"parkmate/broker/brokertest"
)

func TestMemoryBroker(t *testing.T) {
	bus := broker.NewMemoryBus()
	brokertest.Run(t, func(testing.TB) broker.Broker { return bus.Node() })
}

// TestProto2OnlyKinds: notifications and session ends reach every socket;
// read-state and live frames only proto-2 sockets.
func TestProto2OnlyKinds(t *testing.T) {
	for k, want := range map[broker.Kind]bool{broker.KindNotification: false, broker.KindSessionEnded: false,
		broker.KindReadState: true, broker.KindLive: true} {
		if k.Proto2Only() != want {
			t.Errorf("kind %d: proto-2 only %t, want %t", k, !want, want)
		}
	}
}
