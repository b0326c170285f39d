package app

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the block metrics; they are created with the App (so the
// hook is in place before the first block) and exported by RegisterMetrics.
type metrics struct {
	height prometheus.Gauge
	txs    *prometheus.CounterVec
	exec   prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		height: prometheus.NewGauge(prometheus.GaugeOpts{Name: "restaked_block_height", Help: "Height of the last executed block."}),
		txs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "restaked_block_txs_total",
			Help: "Transactions executed in blocks, by result."}, []string{"result"}),
		exec: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "restaked_block_exec_seconds", Help: "FinalizeBlock execution time.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
	}
}

func (m *metrics) observe(h int64, n, failed int, d time.Duration) {
	m.height.Set(float64(h))
	m.txs.WithLabelValues("ok").Add(float64(n - failed))
	m.txs.WithLabelValues("failed").Add(float64(failed))
	m.exec.Observe(d.Seconds())
}

// RegisterMetrics exports the block metrics on reg.
func (a *App) RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{a.met.height, a.met.txs, a.met.exec} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
