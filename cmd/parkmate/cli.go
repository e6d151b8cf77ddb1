package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
)

const serverUsage = `parkmate serves ParkMate Notify: the REST API, the notification WebSocket
and the web app, from one binary.

Usage:
  parkmate [flags]             serve (http://localhost:8000 unless --addr says otherwise)
  parkmate --demo              serve, with a demo lot and one account per role
  parkmate user add [flags]    create an account of any role ("parkmate user add --help")
  parkmate --help              this text

Every flag is also an environment variable: --expiry-warning is
PARKMATE_EXPIRY_WARNING. A flag given on the command line wins.

Flags:
`

// parseCommand parses a command's flags (and the environment, see
// parseWithEnv). On -h or --help it prints usage and the flags to stdout
// and reports helped; a caller then stops without error (exit status 0).
// Flag errors say where to look.
func parseCommand(fs *flag.FlagSet, args []string, stdout io.Writer, usage string) (helped bool, err error) {
	fs.SetOutput(io.Discard) // errors are returned, and usage is printed only when asked for
	fs.Usage = func() {}
	err = parseWithEnv(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("%w (%q lists the flags)", err, fs.Name()+" --help")
	}
	return false, nil
}

// checkCommand refuses a first argument that is neither a flag nor a
// command, before any flag is parsed.
func checkCommand(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return nil
	}
	return fmt.Errorf(`unknown command %q: "parkmate --help" lists the commands`, args[0])
}

// listen takes the server's address before anything is written, so that
// a busy port fails at once, not after the database (or the demo data) was
// made.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // "bind: address already in use", without "listen tcp :8000:"
		}
		return nil, fmt.Errorf("cannot listen on %s (%w): stop what uses it, or choose another address with --addr", addr, err)
	}
	return ln, nil
}

// openURL is the address a person opens in a browser to reach a server
// listening on addr: localhost when it listens on every interface.
func openURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
