//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a pseudo-terminal: the master side, which a test types
// into and reads the screen from, and the terminal a program sees.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx") // non-blocking: reads take deadlines
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// TestUserAddPromptsForThePasswordWithoutEcho runs user add on a terminal:
// it asks twice on stderr, and what is typed never appears on the screen.
func TestUserAddPromptsForThePasswordWithoutEcho(t *testing.T) {
	master, tty := openPTY(t)
	db := filepath.Join(t.TempDir(), "tty.db")
	var out, errOut lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"user", "add", "--db", db, "--create", "--username", "tess", "--password-cost", "4"}, tty, &out, &errOut)
	}()
	const password = "typed-in-secret"
	for _, prompt := range []string{"Password: ", "Password again: "} {
		errOut.waitFor(t, regexp.MustCompile(regexp.QuoteMeta(prompt)+"$"))
		// Type only once echo is off, as a person would after the prompt:
		// the terminal echoes what arrives while echo is on.
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			if st.Lflag&unix.ECHO == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("echo still on 10s after the prompt %q", prompt)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := master.WriteString(password + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("user add on a terminal: %v (stderr %q)", err, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("user add did not finish")
	}
	if !strings.Contains(out.String(), `created driver "tess"`) {
		t.Fatalf("stdout %q", out.String())
	}
	var screen strings.Builder
	buf := make([]byte, 4096)
	_ = master.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		n, err := master.Read(buf)
		screen.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if strings.Contains(screen.String(), password) {
		t.Fatalf("the terminal showed the password: %q", screen.String())
	}
	// The typed password is the account's, and echo is back on.
	if st, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS); err != nil || st.Lflag&unix.ECHO == 0 {
		t.Fatalf("echo not restored: %v", err)
	}
	cfg := testConfig(t)
	cfg.DB = db
	startServer(t, cfg, nil).login("tess", password)
}
