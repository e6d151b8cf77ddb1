package push

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parkmate"
)

func TestParseHostsRefusesWhatIsNotAHost(t *testing.T) {
	for _, bad := range []string{"https://fcm.googleapis.com", "*", "*.com:443", "fcm.*.com", "a*.b.com", "user@host", ":8443", "host:"} {
		if _, err := ParseHosts([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseHosts(append([]string{"", " Example.COM "}, DefaultHosts...)); err != nil {
		t.Fatal(err)
	}
}

func TestCheckEndpoint(t *testing.T) {
	h, err := ParseHosts([]string{"fcm.googleapis.com", "*.notify.windows.com", "127.0.0.1:8443", "10.1.2.3", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url, code string // code "": accepted
	}{
		{"https://fcm.googleapis.com/fcm/send/abc", ""},
		{"https://FCM.googleapis.com:443/fcm/send/abc", ""},
		{"https://wns2-par02p.notify.windows.com/w/?token=x", ""},
		{"http://127.0.0.1:8443/push/1", ""},
		{"https://127.0.0.1:8443/push/1", ""},
		{"https://localhost/push/1", ""}, // allowed by name; the dial refuses its loopback address
		{"http://fcm.googleapis.com/fcm/send/abc", "insecure_endpoint"},
		{"ftp://fcm.googleapis.com/x", "insecure_endpoint"},
		{"https://evil.example/fcm", "push_host_not_allowed"},
		{"https://fcm.googleapis.com.evil.example/x", "push_host_not_allowed"},
		{"https://notify.windows.com/x", "push_host_not_allowed"},
		{"https://fcm.googleapis.com:8443/x", "push_host_not_allowed"},
		{"http://127.0.0.1:8444/push/1", "insecure_endpoint"},
		{"https://127.0.0.1:8444/push/1", "push_host_not_allowed"},
		{"https://10.1.2.3/x", "push_host_not_allowed"},
		{"https://user:pw@fcm.googleapis.com/x", "invalid_endpoint"},
		{"https://fcm.googleapis.com/x#frag", "invalid_endpoint"},
		{"/relative", "invalid_endpoint"},
		{"https://fcm.googleapis.com/" + strings.Repeat("a", maxEndpoint), "endpoint_too_long"},
	} {
		_, err := h.CheckEndpoint(tc.url)
		var pe *parkmate.Error
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case tc.code != "" && (!errors.As(err, &pe) || pe.ErrorCode() != tc.code || pe.Kind != parkmate.EUNPROCESSABLE):
			t.Errorf("%s: %v, want %s", tc.url, err, tc.code)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"142.250.180.10": true, "2a00:1450:4001:80b::200a": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "224.0.0.1": false, "255.255.255.255": false,
		"::1": false, "::": false, "fe80::1": false, "fd00::1": false, "ff02::1": false,
		"::ffff:127.0.0.1": false, "::ffff:142.250.180.10": true, "64:ff9b::a9fe:a9fe": false, "2002:7f00:1::": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s: public %v, want %v", addr, got, want)
		}
	}
}

// recorder is an HTTP server that counts its requests.
func recorder(t *testing.T, status int, header http.Header) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestClientFollowsNoRedirect(t *testing.T) {
	target, hits := recorder(t, http.StatusCreated, nil)
	origin, _ := recorder(t, http.StatusTemporaryRedirect, http.Header{"Location": {target.URL + "/elsewhere"}})
	h, _ := ParseHosts([]string{hostPort(origin.URL), hostPort(target.URL)})
	resp, err := h.Client(5*time.Second).Post(origin.URL+"/push/1", "application/octet-stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || hits.Load() != 0 {
		t.Fatalf("status %d, target hit %d times: the redirect was followed", resp.StatusCode, hits.Load())
	}
}

func TestClientDialsOnlyAllowedAddresses(t *testing.T) {
	srv, hits := recorder(t, http.StatusCreated, nil)
	_, port, _ := net.SplitHostPort(hostPort(srv.URL))
	t.Setenv("HTTP_PROXY", srv.URL) // no proxy from the environment is used either
	for _, tc := range []struct {
		name, url string
		hosts     []string
		refused   error
	}{
		// "localhost" is allowed by name, but resolves to a loopback address.
		{"private address", "http://localhost:" + port + "/push/1", []string{"localhost"}, ErrRefusedAddress},
		{"host not listed", "http://127.0.0.1:" + port + "/push/1", []string{"fcm.googleapis.com"}, ErrRefusedHost},
		{"listed host:port", "http://127.0.0.1:" + port + "/push/1", []string{"127.0.0.1:" + port}, nil},
	} {
		h, _ := ParseHosts(tc.hosts)
		h.httpsPort = port // named hosts are dialled on this port here, instead of 443
		before := hits.Load()
		resp, err := h.Client(5*time.Second).Post(tc.url, "application/octet-stream", nil)
		if resp != nil {
			resp.Body.Close()
		}
		switch {
		case tc.refused == nil && (err != nil || hits.Load() != before+1):
			t.Errorf("%s: %v, hits %d", tc.name, err, hits.Load()-before)
		case tc.refused != nil && (!errors.Is(err, tc.refused) || hits.Load() != before):
			t.Errorf("%s: %v (hits %d), want %v", tc.name, err, hits.Load()-before, tc.refused)
		}
	}
}

func hostPort(u string) string { return strings.TrimPrefix(u, "http://") }
