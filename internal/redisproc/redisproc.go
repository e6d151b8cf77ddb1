// Package redisproc runs a private redis-server, without persistence, that
// a fault test (or the chaos tool) may kill with SIGKILL and start again
// on the same port, empty: the machine's shared Redis serves others.
package redisproc

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a start waits for the first PONG.
const startTimeout = 10 * time.Second

// Server is one private redis-server; its address stays the same across
// restarts.
type Server struct {
	bin    string
	addr   string // 127.0.0.1:<port>
	dir    string // its working directory and logs
	starts int
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start starts bin (the path of redis-server) on a free port of
// 127.0.0.1, with its logs in dir, and waits until it answers PING.
func Start(bin, dir string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{bin: bin, addr: addr, dir: dir}
	return s, s.start()
}

// URL is the Redis URL of the server.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) start() error {
	s.starts++
	_, port, _ := net.SplitHostPort(s.addr)
	s.cmd = exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir, "--logfile", s.logFile(s.starts))
	if err := s.cmd.Start(); err != nil {
		s.cmd = nil
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	s.exited = exited
	go func() {
		_ = s.cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for !s.pong() {
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited at start (its log: %s)", s.addr, s.logFile(s.starts))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer PING within %v", s.addr, startTimeout)
		}
	}
	return nil
}

func (s *Server) logFile(start int) string {
	return filepath.Join(s.dir, fmt.Sprintf("redis-%d.log", start))
}

// pong reports whether the server answers PING.
func (s *Server) pong() bool {
	c, err := net.DialTimeout("tcp", s.addr, time.Second)
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

// Kill kills the server with SIGKILL and waits until it is gone. Killing
// a dead server does nothing.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// Restart kills the server if it runs and starts it again on the same
// port, empty.
func (s *Server) Restart() error {
	s.Kill()
	return s.start()
}

// Logs returns the log of every start, in order.
func (s *Server) Logs() string {
	var b strings.Builder
	for i := 1; i <= s.starts; i++ {
		log, err := os.ReadFile(s.logFile(i))
		if err == nil {
			fmt.Fprintf(&b, "redis-server log %d:\n%s", i, log)
		}
	}
	return b.String()
}
