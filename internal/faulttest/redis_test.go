package faulttest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"parkmate/internal/testservices"
)

// redisProc is a private redis-server that a test may kill: the machine's
// Redis serves other tests.
type redisProc struct {
	t      *testing.T
	bin    string
	addr   string // 127.0.0.1:<port>, the same across restarts
	dir    string
	starts int
	cmd    *exec.Cmd
	exited chan struct{}
}

// startRedis starts a private Redis without persistence on a free port
// and kills it when the test ends.
func startRedis(t *testing.T) *redisProc {
	t.Helper()
	bin := testservices.RedisServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &redisProc{t: t, bin: bin, addr: addr, dir: t.TempDir()}
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			r.printLogs()
		}
	})
	r.start()
	return r
}

// url is the Redis URL of the private server.
func (r *redisProc) url() string { return "redis://" + r.addr + "/0" }

func (r *redisProc) start() {
	r.t.Helper()
	r.starts++
	_, port, _ := net.SplitHostPort(r.addr)
	logFile := filepath.Join(r.dir, fmt.Sprintf("redis-%d.log", r.starts))
	r.cmd = exec.Command(r.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--logfile", logFile)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	exited := make(chan struct{})
	r.exited = exited
	go func() {
		_ = r.cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !r.pong() {
		select {
		case <-exited:
			r.t.Fatalf("redis-server on %s exited at start (see its log below)", r.addr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not answer PING within 10s", r.addr)
		}
	}
}

// pong reports whether the server answers PING.
func (r *redisProc) pong() bool {
	c, err := net.DialTimeout("tcp", r.addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}

// kill kills the server with SIGKILL and waits until it is gone.
func (r *redisProc) kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
}

// restart starts the server again on the same port, empty.
func (r *redisProc) restart() {
	r.t.Helper()
	r.kill()
	r.start()
}

func (r *redisProc) printLogs() {
	for i := 1; i <= r.starts; i++ {
		b, err := os.ReadFile(filepath.Join(r.dir, fmt.Sprintf("redis-%d.log", i)))
		if err == nil {
			r.t.Logf("redis-server log %d:\n%s", i, b)
		}
	}
}
