package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The smoke tests run each scenario at a small size against a real server:
// $PARKMATE_BIN when set, else one built from ./cmd/parkmate. They check that
// the tool works and that nothing was lost or duplicated; they never assert
// a timing figure.

const (
	testPublishKey = "k"
	testAdmin      = "admin"
	testAdminPass  = "admin-pass-1"
)

var (
	buildOnce sync.Once
	serverBin string
	buildErr  error
	buildSkip string
)

// moduleRoot finds the module root via `go env GOMOD`.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not in a module")
	}
	return filepath.Dir(gomod), nil
}

// serverBinary returns the server binary to test against, building it once.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if bin := os.Getenv("PARKMATE_BIN"); bin != "" {
			serverBin = bin
			return
		}
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		if _, err := os.Stat(filepath.Join(root, "cmd", "parkmate")); err != nil {
			buildSkip = "no ./cmd/parkmate in the module yet"
			return
		}
		dir, err := os.MkdirTemp("", "parkmate-bench-test")
		if err != nil {
			buildErr = err
			return
		}
		serverBin = filepath.Join(dir, "parkmate")
		cmd := exec.Command("go", "build", "-o", serverBin, "./cmd/parkmate")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/parkmate: %v\n%s", err, out)
		}
	})
	if buildSkip != "" {
		t.Skip(buildSkip)
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return serverBin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testServer is a server process started for one test.
type testServer struct {
	URL string
	PID int
}

// startServer starts a fresh server (its own database, with an admin) and
// stops it when the test ends, whatever the outcome.
func startServer(t *testing.T) *testServer {
	t.Helper()
	bin := serverBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "bench.db")
	add := exec.Command(bin, "user", "add", "--db", db, "--create", "--username", testAdmin, "--role", "admin", "--password", testAdminPass)
	add.Dir = dir
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf(
			"%s user add: %v\n%s",
			bin, err, out,
		)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--addr", addr, "--db", db, "--publish-key", testPublishKey,
		"--password-cost", "4", "--auth-rate", "0", "--signup-rate", "0", "--max-conns-per-addr", "0")
	cmd.Dir = dir
	cmd.Stdout = &logs
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf(
				"server log (last 4 KiB):\n%s",
				tail(logs.Bytes(), 4096),
			)
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf(
				"server exited: %v\n%s",
				err, tail(logs.Bytes(), 4096),
			)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf(
				"server not healthy after 30s: %v",
				err,
			)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &testServer{URL: url, PID: cmd.Process.Pid}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// smokeConfig is a small run of scenario against srv.
func smokeConfig(srv *testServer, scenario string) Config {
	return Config{
		URL:        srv.URL,
		Scenario:   scenario,
		Conns:      20,
		Duration:   time.Second,
		Rate:       -1,
		Batch:      10,
		Publishers: 2,
		PublishKey: testPublishKey,
		Admin:      testAdmin + ":" + testAdminPass,
		SourceIPs:  2,
		Drain:      5 * time.Second,
	}
}

// runSmoke runs cfg and checks the result is sane.
func runSmoke(t *testing.T, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	var out bytes.Buffer
	res.WriteJSON(&out)
	res.WriteSummary(&out)
	t.Logf(
		"%s",
		out.String(),
	)
	if err != nil {
		t.Fatalf(
			"Run: %v",
			err,
		)
	}
	if res.Error != "" || res.ExitCode() != ExitOK {
		t.Fatalf(
			"error %q, exit code %d",
			res.Error, res.ExitCode(),
		)
	}
	if res.Lost != 0 || res.Duplicated != 0 || res.OutOfOrder != 0 || res.Unexpected != 0 {
		t.Fatalf(
			"lost %d, duplicated %d, out of order %d, unexpected %d",
			res.Lost, res.Duplicated, res.OutOfOrder, res.Unexpected,
		)
	}
	if res.ConnSetupPerSec == nil || *res.ConnSetupPerSec <= 0 {
		t.Fatalf(
			"conn_setup_per_sec = %v",
			res.ConnSetupPerSec,
		)
	}
	if res.ConnsAlive != cfg.Conns {
		t.Fatalf(
			"%d of %d connections alive at the end",
			res.ConnsAlive, cfg.Conns,
		)
	}
	if res.UnplannedDisconnects != 0 {
		// Not a failure: the clients resume with ?since= and lost and
		// duplicated above say whether that worked.
		t.Logf(
			"%d unplanned disconnects: %v",
			res.UnplannedDisconnects, res.CloseCodes,
		)
	}
	if len(res.Warnings) > 0 {
		t.Errorf(
			"warnings: %q",
			res.Warnings,
		)
	}
	return res
}

// checkDeliveries checks a scenario that sends notifications.
func checkDeliveries(t *testing.T, res *Result) {
	t.Helper()
	if res.Calls == 0 || res.CallErrors != 0 {
		t.Errorf(
			"calls %d, errors %d",
			res.Calls, res.CallErrors,
		)
	}
	if res.Deliveries <= 0 || res.Deliveries != res.Sent {
		t.Errorf(
			"deliveries %d of %d sent",
			res.Deliveries, res.Sent,
		)
	}
	if res.DeliveriesPerSec == nil || *res.DeliveriesPerSec <= 0 {
		t.Errorf(
			"deliveries_per_sec = %v",
			res.DeliveriesPerSec,
		)
	}
	if res.LatencyMs == nil || res.LatencyMs.Count == 0 {
		t.Errorf(
			"no latency samples: %+v",
			res.LatencyMs,
		)
	}
}

func TestSmokeIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test: needs a server")
	}
	srv := startServer(t)
	res := runSmoke(t, smokeConfig(srv, ScenarioIdle))
	if res.ServerRSSBytesPerConn == nil {
		t.Errorf("no server_rss_bytes_per_conn from /metrics")
	}
	// The same figures from /proc.
	cfg := smokeConfig(srv, ScenarioIdle)
	cfg.ServerPID = srv.PID
	cfg.Duration = 100 * time.Millisecond
	res = runSmoke(t, cfg)
	if res.ServerStatsSource != "proc" || res.ServerRSSBytesPerConn == nil {
		t.Errorf(
			"from /proc: source %q, rss per conn %v",
			res.ServerStatsSource, res.ServerRSSBytesPerConn,
		)
	}
}

func TestSmokePublish(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test: needs a server")
	}
	srv := startServer(t)
	// As fast as possible, then at a fixed rate.
	res := runSmoke(t, smokeConfig(srv, ScenarioPublish))
	checkDeliveries(t, res)
	if res.ServerCPUUsPerDelivery == nil {
		t.Errorf("no server_cpu_us_per_delivery")
	}
	cfg := smokeConfig(srv, ScenarioPublish)
	cfg.Rate = 200
	checkDeliveries(t, runSmoke(t, cfg))
}

func TestSmokeBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test: needs a server")
	}
	srv := startServer(t)
	cfg := smokeConfig(srv, ScenarioBroadcast)
	cfg.Rate = 20
	res := runSmoke(t, cfg)
	checkDeliveries(t, res)
	if res.Sent%int64(cfg.Conns) != 0 {
		t.Errorf(
			"sent %d is not a multiple of %d connections",
			res.Sent, cfg.Conns,
		)
	}
	// A fixed number of broadcasts, back to back: the run stops at the
	// count, long before its duration, and reports the tool's own CPU.
	cfg.Rate, cfg.Count, cfg.Duration = 0, 5, time.Minute
	res = runSmoke(t, cfg)
	checkDeliveries(t, res)
	if res.Calls != 5 || res.Sent != 5*int64(cfg.Conns) {
		t.Errorf("--count 5: %d calls, %d sent; want 5 and %d", res.Calls, res.Sent, 5*cfg.Conns)
	}
	if res.ToolCPUUsPerDelivery == nil || *res.ToolCPUUsPerDelivery <= 0 {
		t.Errorf("tool_cpu_us_per_delivery %v; want > 0", res.ToolCPUUsPerDelivery)
	}
}

func TestSmokeEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test: needs a server")
	}
	srv := startServer(t)
	cfg := smokeConfig(srv, ScenarioEvents)
	cfg.Rate = 40
	res := runSmoke(t, cfg)
	checkDeliveries(t, res)
}

func TestSmokeReconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test: needs a server")
	}
	srv := startServer(t)
	res := runSmoke(t, smokeConfig(srv, ScenarioReconnect))
	if res.CatchUpSeconds == nil || res.ReconnectSeconds == nil {
		t.Errorf(
			"catch_up_seconds %v, reconnect_seconds %v",
			res.CatchUpSeconds, res.ReconnectSeconds,
		)
	}
	if res.DownPublished != int64(3*20) || res.Deliveries != res.Sent || res.Deliveries < res.DownPublished {
		t.Errorf(
			"down_published %d, deliveries %d of %d",
			res.DownPublished, res.Deliveries, res.Sent,
		)
	}
}

// TestFailsWithoutServer checks that an unreachable server is a tool error.
func TestFailsWithoutServer(t *testing.T) {
	cfg := Config{
		URL:      fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
		Scenario: ScenarioIdle,
		Conns:    2,
		Rate:     -1,
	}
	res, err := Run(context.Background(), cfg)
	if err == nil || res.ExitCode() != ExitError {
		t.Fatalf(
			"no error against a closed port: %v, exit %d",
			err, res.ExitCode(),
		)
	}
}
