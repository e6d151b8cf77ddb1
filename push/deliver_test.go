package push

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"parkmate"
)

// deletingTx records the deliveries deleted; any other method of Tx
// panics (nil interface), so the test also shows nothing else is written.
type deletingTx struct {
	Tx
	deleted []int64
}

func (tx *deletingTx) DeleteDelivery(id int64) error {
	tx.deleted = append(tx.deleted, id)
	return nil
}

// oneTx runs every transaction on tx.
type oneTx struct{ tx *deletingTx }

func (s oneTx) Update(_ context.Context, fn func(Tx) error) error { return fn(s.tx) }
func (s oneTx) View(_ context.Context, fn func(Tx) error) error   { return fn(s.tx) }

// TestAttemptSurvivesAPanic: a delivery whose sending panics (as the
// payload once did for some lengths) is given up, logged and counted, and
// the worker goes on instead of the process dying (and dying again on the
// same delivery after every restart).
func TestAttemptSurvivesAPanic(t *testing.T) {
	defer func(e func(parkmate.Notification) []byte) { encode = e }(encode)
	encode = func(parkmate.Notification) []byte { panic("index out of range [648] with length 648") }
	tx := &deletingTx{}
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	s := &Service{db: oneTx{tx}, clock: parkmate.SystemClock{}, cfg: Config{}.withDefaults(),
		log: slog.New(slog.NewTextHandler(&logs, nil)), metrics: newMetrics(reg)}
	s.attempt(context.Background(), Delivery{ID: 7, GiveUpAt: time.Now().Add(time.Hour),
		Subscription: Subscription{ID: 2}, Notification: parkmate.Notification{ID: 3}})
	if len(tx.deleted) != 1 || tx.deleted[0] != 7 {
		t.Fatalf("deleted %v, want delivery 7", tx.deleted)
	}
	if n := resultCount(t, reg, "panic"); n != 1 {
		t.Fatalf("panic counted %v times", n)
	}
	if l := logs.String(); !strings.Contains(l, "panicked") || !strings.Contains(l, "length 648") || !strings.Contains(l, "delivery=7") {
		t.Fatalf("log: %s", l)
	}
}

// resultCount reads parkmate_push_results_total{result} from reg.
func resultCount(t *testing.T, reg *prometheus.Registry, result string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "parkmate_push_results_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no parkmate_push_results_total{result=%q}", result)
	return 0
}
