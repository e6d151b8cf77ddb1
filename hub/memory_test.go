package hub_test

import (
	"testing"

	"parkmate/hub"
	"parkmate/hub/brokertest"
)

func TestMemoryBroker(t *testing.T) {
	shared := hub.NewMemoryBroker()
	brokertest.Run(t, func(testing.TB) hub.Broker { return shared })
}
