package push

import "github.com/prometheus/client_golang/prometheus"

// metrics are push's counters on /metrics.
type metrics struct {
	results *prometheus.CounterVec
	skipped prometheus.Counter
	latency prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parkmate_push_results_total",
			Help: "Push attempts by result: sent, gone (subscription deleted), retry, refused (redirect, 4xx, address not allowed), given_up, panic (a bug while sending; the delivery is given up and logged)."},
			[]string{"result"}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "parkmate_push_skipped_total",
			Help: "Notifications of users with a subscription not pushed: displayed by a visible page, or turned off."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "parkmate_push_delay_seconds",
			Help:    "From a notification's commit to its push service accepting the push (the grace period included).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 11, 12, 15, 20, 30, 60, 300}}),
	}
	for _, r := range []string{"sent", "gone", "retry", "refused", "given_up", "panic"} {
		m.results.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.results, m.skipped, m.latency)
	}
	return m
}
