package nodeproc

import (
	"net/http"
	"path/filepath"
	"testing"

	"parkmate/internal/testservices"
)

// startLocal starts a node on its own SQLite file and the in-memory
// broker, so that only the binary is needed.
func startLocal(t *testing.T, name string) *Node {
	return Start(t, Config{
		Bin:           testservices.Binary(t),
		Name:          name,
		DB:            filepath.Join(t.TempDir(), name+".db"),
		Broker:        "memory",
		BrokerChannel: "unused",
		JWTSecret:     "nodeproc-test-secret-0123456789abcdef",
		PublishKey:    "k",
	})
}

func TestStartServesAndStops(t *testing.T) {
	tests := []struct {
		name string
		end  func(*Node) error
	}{
		{"Stop", (*Node).Stop},
		{"Kill", func(n *Node) error { n.Kill(); return nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := startLocal(t, "n")
			if got := n.Status("/healthz"); got != http.StatusOK {
				t.Fatalf("GET /healthz: %d, want 200", got)
			}
			if err := tc.end(n); err != nil {
				t.Fatal(err)
			}
			select {
			case <-n.Exited():
			default:
				t.Fatalf("%s returned but the process is still running", tc.name)
			}
			if got := n.Status("/healthz"); got != 0 {
				t.Fatalf("GET /healthz after %s: %d, want no answer", tc.name, got)
			}
		})
	}
}
