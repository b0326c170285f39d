package api

import (
	"encoding/json"

	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/params"
)

// The response types below are the API's wire contract (see openapi.yaml);
// clients such as the CLI decode into them. Every read carries the height
// of the committed state it was answered from.

// Status is GET /v1/status.
type Status struct {
	ChainID         string `json:"chain_id"`
	Height          int64  `json:"height"`
	AppHash         string `json:"app_hash"`
	LatestBlockTime string `json:"latest_block_time,omitempty"` // RFC 3339, from CometBFT
	CatchingUp      bool   `json:"catching_up"`
	NodeVersion     string `json:"node_version"`
	CometBFTVersion string `json:"cometbft_version"`
	// RPCError says why the CometBFT fields are missing, if they are.
	RPCError string `json:"rpc_error,omitempty"`
}

// Coin is an amount of one denom; Amount is a decimal string.
type Coin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

// Account is GET /v1/accounts/{addr}.
type Account struct {
	Height   int64  `json:"height"`
	Address  string `json:"address"`
	Balances []Coin `json:"balances"`
	Sequence uint64 `json:"sequence"`
}

// Balances is GET /v1/accounts/{addr}/balances.
type Balances struct {
	Height   int64  `json:"height"`
	Address  string `json:"address"`
	Balances []Coin `json:"balances"`
}

// Supply is GET /v1/supply.
type Supply struct {
	Height int64  `json:"height"`
	Supply []Coin `json:"supply"`
}

// Params is GET /v1/params.
type Params struct {
	Height int64         `json:"height"`
	Params params.Params `json:"params"`
}

// BroadcastRequest is the body of POST /v1/txs.
type BroadcastRequest struct {
	Tx string `json:"tx"` // standard base64 of the signed tx bytes
}

// BroadcastResult is POST /v1/txs. Without ?commit=true, Code and Log are
// the mempool's admission result. With it, once Committed they are the
// block's execution result.
type BroadcastResult struct {
	Hash      string  `json:"hash"`
	Code      uint32  `json:"code"`
	Rule      string  `json:"rule,omitempty"`
	Log       string  `json:"log"`
	Committed bool    `json:"committed"`
	Height    int64   `json:"height,omitempty"`
	Events    []Event `json:"events,omitempty"`
}

// Tx is GET /v1/txs/{hash}: a committed transaction and its result.
type Tx struct {
	Hash     string            `json:"hash"`
	Height   int64             `json:"height"`
	Index    uint32            `json:"index"`
	Code     uint32            `json:"code"`
	Rule     string            `json:"rule,omitempty"`
	Log      string            `json:"log"`
	Events   []Event           `json:"events"`
	Signer   string            `json:"signer,omitempty"`
	ChainID  string            `json:"chain_id,omitempty"`
	Sequence uint64            `json:"sequence"`
	Fee      string            `json:"fee,omitempty"`
	Memo     string            `json:"memo,omitempty"`
	Messages []json.RawMessage `json:"messages"` // protobuf JSON, e.g. {"send": {...}}
}

// Event is something a transaction did, as emitted by its modules.
type Event struct {
	Type       string      `json:"type"`
	Attributes []Attribute `json:"attributes"`
}

// Attribute is one key/value of an event.
type Attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func coins(cs coin.Coins) []Coin {
	out := make([]Coin, len(cs))
	for i, c := range cs {
		out[i] = Coin{Denom: c.Denom, Amount: c.Amount.String()}
	}
	return out
}

// Invariants is GET /v1/invariants: the result of every state invariant.
type Invariants struct {
	Height  int64    `json:"height"`
	OK      bool     `json:"ok"`
	Checked []string `json:"checked"`
	Error   string   `json:"error,omitempty"`
}
