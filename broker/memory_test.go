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
