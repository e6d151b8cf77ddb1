package push

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"parkmate"
)

// DefaultHosts are the browser vendors' push services: Chrome and Edge
// (FCM), Firefox (Mozilla autopush), Edge's legacy WNS, Safari (Apple).
var DefaultHosts = []string{"fcm.googleapis.com", "updates.push.services.mozilla.com", "*.notify.windows.com", "web.push.apple.com"}

// Hosts is the allow-list of push services: the only hosts a subscription's
// endpoint may name and the only ones the sender dials.
//
// An entry is a host name ("fcm.googleapis.com": https on port 443 only),
// a wildcard ("*.notify.windows.com": any name under it, not the name
// itself), or a host:port ("127.0.0.1:8443"), which allows that exact
// address also over plain http and even when it is a loopback or private
// address: tests run their push service that way. Any other endpoint
// that resolves to a loopback, private, link-local or otherwise
// non-public address is refused when dialled.
type Hosts struct {
	// httpsPort is the port named hosts are dialled on ("443"; package
	// tests change it to reach a server of theirs).
	httpsPort string
	names     map[string]bool
	suffixes  []string // ".notify.windows.com"
	exact     map[string]bool
}

// ParseHosts reads the entries of --push-hosts.
func ParseHosts(entries []string) (*Hosts, error) {
	h := &Hosts{httpsPort: "443", names: map[string]bool{}, exact: map[string]bool{}}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
			continue
		case strings.Contains(e, "/") || strings.Contains(e, "@"):
			return nil, fmt.Errorf("push host %q: give a host name, *.domain or host:port, not a URL", e)
		case strings.HasPrefix(e, "*."):
			if strings.Contains(e[2:], "*") || strings.Contains(e, ":") || !strings.Contains(e[2:], ".") {
				return nil, fmt.Errorf("push host %q: a wildcard is *.domain.tld, without a port", e)
			}
			h.suffixes = append(h.suffixes, e[1:])
		case strings.Contains(e, "*"):
			return nil, fmt.Errorf("push host %q: * may only begin an entry (*.domain)", e)
		default:
			if host, port, err := net.SplitHostPort(e); err == nil {
				if host == "" || port == "" {
					return nil, fmt.Errorf("push host %q: host:port needs both", e)
				}
				h.exact[net.JoinHostPort(host, port)] = true
				continue
			}
			h.names[strings.TrimSuffix(e, ".")] = true
		}
	}
	return h, nil
}

// listed reports whether host:port is an explicit entry.
func (h *Hosts) listed(hostport string) bool { return h.exact[strings.ToLower(hostport)] }

// named reports whether a host name is allowed on port 443.
func (h *Hosts) named(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if h.names[host] {
		return true
	}
	for _, s := range h.suffixes {
		if strings.HasSuffix(host, s) && len(host) > len(s) {
			return true
		}
	}
	return false
}

// CheckEndpoint returns the endpoint as a URL when a subscription may use
// it: https on an allowed host and port 443, or http or https on a listed
// host:port; no user info, no fragment, at most maxEndpoint bytes.
func (h *Hosts) CheckEndpoint(raw string) (*url.URL, error) {
	if len(raw) > maxEndpoint {
		return nil, invalidSub("endpoint_too_long", "The endpoint is longer than %d bytes.", maxEndpoint)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, invalidSub("invalid_endpoint", "The endpoint must be an absolute https URL.")
	}
	if u.User != nil || u.Fragment != "" || u.RawFragment != "" {
		return nil, invalidSub("invalid_endpoint", "The endpoint must not carry user info or a fragment.")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": h.httpsPort, "http": "80"}[u.Scheme]
	}
	hostport := net.JoinHostPort(strings.ToLower(u.Hostname()), port)
	switch {
	case h.listed(hostport) && (u.Scheme == "https" || u.Scheme == "http"):
		return u, nil
	case u.Scheme != "https":
		return nil, invalidSub("insecure_endpoint", "The endpoint must use https.")
	case !h.named(u.Hostname()) || port != h.httpsPort:
		return nil, invalidSub("push_host_not_allowed", "The push service %s is not allowed on this server (--push-hosts).", u.Host)
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !publicAddr(ip) {
		return nil, invalidSub("push_host_not_allowed", "The endpoint names a private address.")
	}
	return u, nil
}

func invalidSub(code, format string, args ...any) error {
	return parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, code, format, args...)
}

// maxEndpoint bounds an endpoint URL, in bytes.
const maxEndpoint = 2048

// ErrRefusedAddress is the error of a dial the allow-list refused.
var ErrRefusedAddress = errors.New("push: refused to dial a non-public address that --push-hosts does not list")

// ErrRefusedHost is the error of a request to a host the allow-list does
// not name.
var ErrRefusedHost = errors.New("push: host not in --push-hosts")

// Client returns the HTTP client that sends pushes: it follows no
// redirect (the 3xx comes back as the answer), uses no proxy from the
// environment, dials only allowed hosts and, unless a host:port is
// listed, only public addresses (checked on the address actually
// connected to, after name resolution).
func (h *Hosts) Client(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         h.dial,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: timeout,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// dial connects to addr (host:port from the request's URL) when the
// allow-list allows it.
func (h *Hosts) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if h.listed(addr) {
		return d.DialContext(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if !h.named(host) || port != h.httpsPort {
		return nil, fmt.Errorf("%w: %s", ErrRefusedHost, addr)
	}
	d.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !publicAddr(ap.Addr()) {
			return fmt.Errorf("%w: %s resolves to %s", ErrRefusedAddress, host, address)
		}
		return nil
	}
	return d.DialContext(ctx, network, addr)
}

// nonPublic are the special-purpose ranges (IANA registries) a push
// service never lives in.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// publicAddr reports whether ip is a public unicast address. An IPv4
// address mapped or translated into IPv6 (::ffff:0:0/96, NAT64
// 64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address inside.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(ip):
			return publicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case netip.MustParsePrefix("2002::/16").Contains(ip):
			return publicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
