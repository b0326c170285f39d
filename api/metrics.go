package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/store"
)

// metrics lives on a private registry so that several servers (tests, a
// testnet in one process) never collide on the global one.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(a *app.App) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "restaked", Subsystem: "api", Name: "requests_total",
		Help: "HTTP API requests by route pattern and status code.",
	}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "restaked", Subsystem: "api", Name: "request_duration_seconds",
		Help: "HTTP API request latency by route pattern.", Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	height := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "restaked", Subsystem: "api", Name: "state_height",
		Help: "Height of the committed state the API serves.",
	}, func() float64 { return float64(committedHeight(a)) })
	m.reg.MustRegister(m.requests, m.latency, height)
	return m
}

func committedHeight(a *app.App) int64 {
	var h int64
	a.Read(func(_ store.Reader, height int64) { h = height })
	return h
}

// observe records one request. The route label is the matched pattern, so
// its cardinality is bounded by the route table, never by client input.
func (m *metrics) observe(pattern string, code int, d time.Duration) {
	if pattern == "" {
		pattern = "unmatched"
	}
	m.requests.WithLabelValues(pattern, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(pattern).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
