package faulttest

import (
	"testing"

	"parkmate/internal/redisproc"
	"parkmate/internal/testservices"
)

// redisProc is a private redis-server that a test may kill: the machine's
// Redis serves other tests.
type redisProc struct {
	t *testing.T
	*redisproc.Server
}

// startRedis starts a private Redis without persistence on a free port
// and kills it when the test ends.
func startRedis(t *testing.T) *redisProc {
	t.Helper()
	s, err := redisproc.Start(testservices.RedisServer(t), t.TempDir())
	if s != nil {
		t.Cleanup(func() {
			s.Kill()
			if t.Failed() {
				t.Log(s.Logs())
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return &redisProc{t: t, Server: s}
}

// url is the Redis URL of the private server.
func (r *redisProc) url() string { return r.URL() }

// kill kills the server with SIGKILL and waits until it is gone.
func (r *redisProc) kill() { r.Kill() }

// restart starts the server again on the same port, empty.
func (r *redisProc) restart() {
	r.t.Helper()
	if err := r.Restart(); err != nil {
		r.t.Fatal(err)
	}
}
