package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

const jsonType = "application/json"

// Error is an API failure: the HTTP status, a short rule name clients can
// switch on, and a message in plain words.
type Error struct {
	Status int
	Rule   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// errorBody is the JSON shape of every error.
type errorBody struct {
	Error string `json:"error"`
	Rule  string `json:"rule"`
}

func badRequest(rule, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Rule: "not-found", Msg: fmt.Sprintf(format, args...)}
}

// rpcFailed reports that CometBFT could not answer: the gateway failed.
func rpcFailed(what string, err error) *Error {
	return &Error{Status: http.StatusBadGateway, Rule: "rpc-unavailable", Msg: fmt.Sprintf("%s: CometBFT RPC: %v", what, err)}
}

// handlerFunc returns the response body or an error; serve writes either.
type handlerFunc func(r *http.Request) (any, error)

func (s *Server) serve(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err == nil {
			writeJSONTo(w, http.StatusOK, v)
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			// Unexpected failures (corrupt state, bugs) stay in the log;
			// clients learn only that it was not their fault.
			s.log.Error("api: internal error", "path", r.URL.Path, "err", err)
			e = &Error{Status: http.StatusInternalServerError, Rule: "internal", Msg: "internal error"}
		} else if e.Status >= 500 {
			s.log.Warn("api: request failed", "path", r.URL.Path, "err", err)
		}
		writeError(w, e.Status, e.Rule, e.Msg)
	}
}

func writeError(w http.ResponseWriter, status int, rule, msg string) {
	writeJSONTo(w, status, errorBody{Error: msg, Rule: rule})
}

func writeJSONTo(w http.ResponseWriter, status int, v any) {
	bz, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		bz, _ = json.Marshal(errorBody{Error: "internal error: encode response", Rule: "internal"})
	}
	h := w.Header()
	h.Set("Content-Type", jsonType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(status)
	w.Write(append(bz, '\n'))
}
