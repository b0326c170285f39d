// Package api serves restaked's HTTP JSON API: reads of committed state
// straight from the application, transaction broadcast and lookup through
// CometBFT's RPC, an OpenAPI description and Prometheus metrics.
//
// Conventions: amounts and fractions are decimal strings, addresses bech32,
// hashes upper-case hex, and every error is {"error": "...", "rule": "..."}.
package api

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/restaked/restaked/app"
)

// DefaultAddr is where the API listens unless told otherwise: loopback only,
// because it accepts transactions for broadcast.
const DefaultAddr = "127.0.0.1:1317"

// Limits on what one request may cost the node.
const (
	MaxBodyBytes      = 1 << 20
	MaxCommitWait     = 30 * time.Second
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	// writeTimeout must outlast the longest handler: a commit wait.
	writeTimeout    = MaxCommitWait + 15*time.Second
	idleTimeout     = 60 * time.Second
	shutdownTimeout = 10 * time.Second
	rpcTimeout      = 10 * time.Second
)

//go:embed openapi.yaml
var openAPI []byte

// Server answers API requests for one application and node.
type Server struct {
	app *app.App
	rpc rpcclient.Client // nil: reads only, tx routes answer 502
	log *slog.Logger
	mux *http.ServeMux
	met *metrics

	// commitWait bounds ?commit=true; pollEvery is how often it looks.
	commitWait time.Duration
	pollEvery  time.Duration
}

// New builds a server. rpc may be a local or HTTP CometBFT client; with nil
// the transaction routes report that no node is connected.
func New(a *app.App, rpc rpcclient.Client, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{app: a, rpc: rpc, log: log, mux: http.NewServeMux(),
		commitWait: MaxCommitWait, pollEvery: 200 * time.Millisecond}
	s.met = newMetrics(a)
	s.routes()
	return s
}

// Registry is the server's private Prometheus registry; the node may
// register its own collectors on it so /metrics shows everything.
func (s *Server) Registry() *prometheus.Registry { return s.met.reg }

// jsonRoutes are the routes answering JSON through serve.
func (s *Server) jsonRoutes() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/status":                   s.status,
		"GET /v1/accounts/{addr}":          s.account,
		"GET /v1/accounts/{addr}/balances": s.balances,
		"GET /v1/supply":                   s.supply,
		"GET /v1/params":                   s.params,
		"GET /v1/invariants":               s.invariants,
		"GET /v1/validators":               s.validators,
		"GET /v1/validators/{addr}":        s.validator,
		"GET /v1/delegations/{addr}":       s.delegations,
		"GET /v1/unbondings/{addr}":        s.unbondings,
		"GET /v1/rewards/{addr}":           s.rewards,
		"GET /v1/liquid":                   s.liquidPool,
		"GET /v1/liquid/claims/{addr}":     s.liquidClaims,
		"GET /v1/operators":                s.operators,
		"GET /v1/operators/{addr}":         s.operator,
		"GET /v1/services":                 s.services,
		"GET /v1/services/{name}":          s.service,
		"GET /v1/services/{name}/stake":    s.serviceStake,
		"GET /v1/positions/{addr}":         s.positions,
		"GET /v1/withdrawals/{addr}":       s.withdrawals,
		"GET /v1/withdrawal/{id}":          s.withdrawal,
		"GET /v1/slashes":                  s.slashes,
		"GET /v1/slashes/{id}":             s.slash,
		"GET /v1/assets":                   s.assets,
		"GET /v1/programs":                 s.programs,
		"GET /v1/programs/{id}":            s.program,
		"GET /v1/risk/network":             s.riskNetwork,
		"GET /v1/risk/exposure/{addr}":     s.riskExposure,
		"GET /v1/risk/preview-slash":       s.riskPreviewSlash,
		"GET /v1/risk/stress":              s.riskStress,
		"GET /v1/risk/services":            s.riskServices,
		"GET /v1/risk/check":               s.riskCheck,
		"GET /v1/risk/attack":              s.riskAttack,
		"GET /v1/risk/worst-loss":          s.riskWorstLoss,
		"GET /v1/risk/cascade":             s.riskCascade,
		"POST /v1/txs":                     s.broadcast,
		"GET /v1/txs/{hash}":               s.txByHash,
	}
}

func (s *Server) routes() {
	for pattern, h := range s.jsonRoutes() {
		s.mux.Handle(pattern, s.serve(h))
	}
	s.mux.HandleFunc("GET /openapi.yaml", s.openapi)
	s.mux.Handle("GET /metrics", s.met.handler())
}

// Handler is the API with its safety net: bounded bodies, JSON errors for
// unknown routes, panic recovery and request metrics.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				// A panic is a bug, never an answer: log it, keep serving.
				s.log.Error("api: handler panic", "path", r.URL.Path, "panic", p)
				if sw.code == 0 {
					writeError(sw, http.StatusInternalServerError, "internal", "internal error")
				}
			}
			d := time.Since(start)
			s.met.observe(r.Pattern, sw.status(), d)
			s.log.Debug("api: request", "method", r.Method, "path", r.URL.Path, "status", sw.status(), "duration", d)
		}()
		s.mux.ServeHTTP(sw, r)
	})
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(openAPI)
}

// ListenAndServe serves on addr (DefaultAddr if empty) until ctx ends, then
// shuts down gracefully. It returns nil after a shutdown caused by ctx.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on an existing listener (e.g. port 0 in tests).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests see ctx end, so a commit wait in flight returns at
		// shutdown instead of holding it for up to MaxCommitWait.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("api: listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// statusWriter records the status code and turns the mux's plain-text 404
// and 405 answers into the API's JSON error shape.
type statusWriter struct {
	http.ResponseWriter
	code    int
	swallow bool // the body being written is the mux's plain text
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code != 0 {
		return
	}
	w.code = code
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) &&
		w.Header().Get("Content-Type") != jsonType {
		w.swallow = true
		writeJSONTo(w.ResponseWriter, code, errorBody{Error: muxMessage(code), Rule: muxRule(code)})
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func muxMessage(code int) string {
	if code == http.StatusMethodNotAllowed {
		return "method not allowed on this route"
	}
	return "no such route (see /openapi.yaml)"
}

func muxRule(code int) string {
	if code == http.StatusMethodNotAllowed {
		return "method-not-allowed"
	}
	return "not-found"
}
