package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/restaked/restaked/tx"
)

// errNoNode answers tx routes on a server built without an RPC client.
var errNoNode = &Error{Status: http.StatusBadGateway, Rule: "rpc-unavailable", Msg: "no CometBFT node is connected to this API"}

func (s *Server) broadcast(r *http.Request) (any, error) {
	commit, err := wantCommit(r)
	if err != nil {
		return nil, err
	}
	raw, err := readTx(r)
	if err != nil {
		return nil, err
	}
	if s.rpc == nil {
		return nil, errNoNode
	}
	ctx, cancel := context.WithTimeout(r.Context(), rpcTimeout)
	defer cancel()
	res, err := s.rpc.BroadcastTxSync(ctx, raw)
	if err != nil {
		return nil, broadcastFailed(err)
	}
	out := BroadcastResult{Hash: hexUpper(res.Hash), Code: res.Code, Rule: res.Codespace, Log: res.Log}
	if res.Code != 0 || !commit {
		return out, nil
	}
	return s.waitCommit(r.Context(), res.Hash, out), nil
}

func wantCommit(r *http.Request) (bool, error) {
	v := r.URL.Query().Get("commit")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("bad-request", "commit must be true or false, got %q", v)
	}
	return b, nil
}

// readTx decodes {"tx": base64} and checks the tx's structure, so that
// malformed input is refused here with a clear reason instead of in CheckTx.
func readTx(r *http.Request) ([]byte, error) {
	var req BroadcastRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badRequest("bad-request", "body must be a single JSON object {\"tx\": base64}")
	}
	raw, err := base64.StdEncoding.DecodeString(req.Tx)
	if err != nil || len(raw) == 0 {
		return nil, badRequest("bad-tx", "tx must be the signed transaction bytes in standard base64")
	}
	if _, err := tx.Decode(raw); err != nil {
		return nil, badRequest("decode", "%v", err)
	}
	return raw, nil
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Rule: "too-large",
			Msg: "request body is larger than " + strconv.Itoa(MaxBodyBytes) + " bytes"}
	}
	return badRequest("bad-request", "body must be JSON {\"tx\": base64}: %v", err)
}

// broadcastFailed maps CometBFT's refusals that are about the tx itself to
// client errors; anything else is the node failing.
func broadcastFailed(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "tx already exists in cache"):
		return &Error{Status: http.StatusConflict, Rule: "duplicate-tx", Msg: "this transaction was already broadcast"}
	case strings.Contains(msg, "mempool is full"):
		return &Error{Status: http.StatusServiceUnavailable, Rule: "mempool-full", Msg: "the node's mempool is full; retry later"}
	}
	return rpcFailed("broadcast", err)
}

// waitCommit polls the tx index until the tx is in a block or the bounded
// wait ends; a tx still pending then is reported with Committed false.
func (s *Server) waitCommit(ctx context.Context, hash []byte, out BroadcastResult) BroadcastResult {
	ctx, cancel := context.WithTimeout(ctx, s.commitWait)
	defer cancel()
	tick := time.NewTicker(s.pollEvery)
	defer tick.Stop()
	for {
		if res, err := s.rpc.Tx(ctx, hash, false); err == nil {
			out.Committed, out.Height = true, res.Height
			out.Code, out.Rule, out.Log = res.TxResult.Code, res.TxResult.Codespace, res.TxResult.Log
			out.Events = events(res.TxResult.Events)
			return out
		}
		select {
		case <-ctx.Done():
			out.Log = "accepted into the mempool but not included in a block within " + s.commitWait.String()
			return out
		case <-tick.C:
		}
	}
}

func (s *Server) txByHash(r *http.Request) (any, error) {
	hash, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(hash) != 32 {
		return nil, badRequest("bad-hash", "tx hash must be 64 hex characters")
	}
	if s.rpc == nil {
		return nil, errNoNode
	}
	ctx, cancel := context.WithTimeout(r.Context(), rpcTimeout)
	defer cancel()
	res, err := s.rpc.Tx(ctx, hash, false)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return nil, notFound("transaction %s not found", hexUpper(hash))
		}
		return nil, rpcFailed("tx lookup", err)
	}
	out := Tx{Hash: hexUpper(hash), Height: res.Height, Index: res.Index, Code: res.TxResult.Code,
		Rule: res.TxResult.Codespace, Log: res.TxResult.Log, Events: events(res.TxResult.Events), Messages: []json.RawMessage{}}
	describe(&out, res.Tx)
	return out, nil
}

var msgJSON = protojson.MarshalOptions{UseProtoNames: true}

// describe adds the decoded body; a tx that failed to decode in its block
// keeps only its result.
func describe(out *Tx, raw []byte) {
	d, err := tx.Decode(raw)
	if err != nil {
		return
	}
	out.Signer, out.ChainID, out.Sequence = d.Signer.String(), d.Body.ChainId, d.Body.Sequence
	out.Fee, out.Memo = d.Body.Fee, d.Body.Memo
	for _, m := range d.Body.Msgs {
		bz, err := msgJSON.Marshal(m)
		if err != nil {
			continue
		}
		out.Messages = append(out.Messages, bz)
	}
}

func events(evs []abci.Event) []Event {
	out := make([]Event, len(evs))
	for i, e := range evs {
		attrs := make([]Attribute, len(e.Attributes))
		for j, a := range e.Attributes {
			attrs[j] = Attribute{Key: a.Key, Value: a.Value}
		}
		out[i] = Event{Type: e.Type, Attributes: attrs}
	}
	return out
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
