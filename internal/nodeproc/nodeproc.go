// Package nodeproc runs parkmate servers as real subprocesses for tests
// (and the chaos tool) that kill them: each node listens on a free port of
// 127.0.0.1 and logs at debug level to a file; in a test, the log is
// printed when the test fails, and the node is stopped when it ends.
package nodeproc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Timeouts of starting and stopping a node.
const (
	ReadyTimeout = 30 * time.Second
	StopTimeout  = 20 * time.Second
	logTail      = 48 << 10
)

// Config says how to start a node; every node of a cluster shares all but
// Name and, through a proxy of its own, Broker.
type Config struct {
	Bin           string   // the parkmate binary
	Name          string   // names the node in logs and messages
	DB            string   // --db
	Broker        string   // --broker
	BrokerChannel string   // --broker-channel
	JWTSecret     string   // --jwt-secret
	PublishKey    string   // --publish-key
	Args          []string // further flags
}

// Node is one running server process.
type Node struct {
	Name string // Config.Name
	URL  string // http://127.0.0.1:<port>

	cfg     Config
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has been reaped
	waitErr error         // valid once exited is closed
	logPath string
}

// Start starts a node and waits until it answers GET /healthz and
// GET /livez with 200. The node is killed when the test ends, and its log
// printed if the test failed.
func Start(t testing.TB, cfg Config) *Node {
	t.Helper()
	n, err := Launch(cfg, t.TempDir())
	if n != nil {
		t.Cleanup(func() {
			n.Kill()
			if t.Failed() {
				t.Logf("node %s (%s) log, last %d KiB of %s:\n%s", n.Name, n.URL, logTail>>10, n.logPath, n.Logs())
			}
		})
	}
	if err != nil {
		t.Fatalf("node %s: %v (its log is printed below)", cfg.Name, err)
	}
	return n
}

// Launch is Start for a program that is not a test: the node logs to a
// file in dir, and the caller kills it. When the node started but did
// not become ready, Launch returns it (killed, for its Logs) and an error.
func Launch(cfg Config, dir string) (*Node, error) {
	for attempt := 1; ; attempt++ {
		n, err := start(cfg, dir, attempt)
		if err == nil || n == nil {
			return n, err
		}
		// Another process may take the free port between its probe and
		// the node's listen; only that is retried.
		if attempt < 3 && strings.Contains(n.Logs(), "address already in use") {
			continue
		}
		return n, err
	}
}

func start(cfg Config, dir string, attempt int) (*Node, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	n := &Node{
		Name:    cfg.Name,
		URL:     "http://" + addr,
		cfg:     cfg,
		exited:  make(chan struct{}),
		logPath: filepath.Join(dir, fmt.Sprintf("%s-%d.log", cfg.Name, attempt)),
	}
	logf, err := os.Create(n.logPath)
	if err != nil {
		return nil, err
	}
	n.cmd = exec.Command(cfg.Bin, n.args(addr)...)
	n.cmd.Env = environ()
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", cfg.Bin, err)
	}
	go func() {
		n.waitErr = n.cmd.Wait()
		logf.Close()
		close(n.exited)
	}()
	if err := n.waitReady(); err != nil {
		n.Kill()
		return n, err
	}
	return n, nil
}

// args are the node's flags.
func (n *Node) args(addr string) []string {
	c := n.cfg
	return append([]string{
		"--addr", addr,
		"--db", c.DB,
		"--broker", c.Broker,
		"--broker-channel", c.BrokerChannel,
		"--jwt-secret", c.JWTSecret,
		"--publish-key", c.PublishKey,
		"--password-cost", "4",
		"--auth-rate", "0",
		"--signup-rate", "0", // tests and the chaos tool sign up many users from one address
		"--max-conns-per-addr", "0", // and hold thousands of sockets from loopback
		"--log-level", "debug",
	}, c.Args...)
}

// environ is the test's environment without PARKMATE_* variables, which
// the server would read as flags.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARKMATE_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /healthz and /livez until both answer 200.
func (n *Node) waitReady() error {
	deadline := time.Now().Add(ReadyTimeout)
	for {
		if n.Status("/healthz") == http.StatusOK && n.Status("/livez") == http.StatusOK {
			return nil
		}
		select {
		case <-n.exited:
			return fmt.Errorf("exited before it was ready: %v", n.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %v (GET /healthz: %d)", ReadyTimeout, n.Status("/healthz"))
		}
	}
}

// Status returns the status of GET path on the node, or 0 when it does
// not answer within two seconds.
func (n *Node) Status(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+path, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// Config returns the configuration the node was started with, to start
// it again.
func (n *Node) Config() Config { return n.cfg }

// Kill kills the process with SIGKILL (no shutdown at all) and waits
// until it is gone. Killing a dead node does nothing.
func (n *Node) Kill() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
}

// Stop asks the process to shut down with SIGTERM and waits for it; after
// StopTimeout it kills it and says so.
func (n *Node) Stop() error {
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
		if n.waitErr != nil {
			return fmt.Errorf("node %s after SIGTERM: %w", n.Name, n.waitErr)
		}
		return nil
	case <-time.After(StopTimeout):
		n.Kill()
		return fmt.Errorf("node %s did not stop within %v of SIGTERM; killed", n.Name, StopTimeout)
	}
}

// Exited is closed once the process has ended.
func (n *Node) Exited() <-chan struct{} { return n.exited }

// LogPath returns the file the node logs to.
func (n *Node) LogPath() string { return n.logPath }

// Logs returns the end of the node's log (its last 48 KiB).
func (n *Node) Logs() string {
	b, err := os.ReadFile(n.logPath)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	if len(b) > logTail {
		b = b[len(b)-logTail:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// freeAddr returns an address of 127.0.0.1 with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
