package api

import (
	"net/http"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
)

// Reward stream names.
const (
	StreamStaking       = "staking"  // delegation rewards and validator commission
	StreamNativePrefix  = "native:"  // + operator: primary rewards of stake restaked natively with it
	StreamServicePrefix = "service:" // + service: a service's reward programs
)

// RewardStream is what one reward source owes an account. Service streams
// are per service, denom, role and (operator, asset): a staker earns one
// per position, an operator one per vault it takes commission on.
type RewardStream struct {
	Stream   string `json:"stream"`
	Pending  []Coin `json:"pending"`
	Service  string `json:"service,omitempty"`  // service streams
	Denom    string `json:"denom,omitempty"`    // native and service streams: the denom they pay
	Role     string `json:"role,omitempty"`     // service streams: staker (a position's share) or operator (commission)
	Operator string `json:"operator,omitempty"` // native and service streams
	Asset    string `json:"asset,omitempty"`    // native and service streams: the restaked asset earning it
	APR      string `json:"apr,omitempty"`      // recent yield per year in native-unit terms, when known (see yield.go)
}

// Rewards is GET /v1/rewards/{addr}.
type Rewards struct {
	Height  int64          `json:"height"`
	Address string         `json:"address"`
	Streams []RewardStream `json:"streams"`
	Total   []Coin         `json:"total"`
	Stake   string         `json:"stake"`         // native-unit value of the delegations and positions earning
	APR     string         `json:"apr,omitempty"` // the streams' stake-weighted APR, when known
}

// stream is one reward source before it is rendered.
type stream struct {
	view    RewardStream
	pending coin.Coins
}

// rewardStreams lists each reward source claim_rewards pays: primary
// staking, the native pass-through per operator, then every service stream.
func rewardStreams(r store.Reader, a account.Address) ([]stream, error) {
	pending, err := staking.PendingRewards(r, a)
	if err != nil {
		return nil, err
	}
	out := []stream{{view: RewardStream{Stream: StreamStaking}, pending: pending}}
	native, err := nativeStreams(r, a)
	if err != nil {
		return nil, err
	}
	service, err := serviceStreams(r, a)
	if err != nil {
		return nil, err
	}
	return append(append(out, native...), service...), nil
}

// nativeStreams are the primary rewards of natively restaked stake, per operator.
func nativeStreams(r store.Reader, a account.Address) ([]stream, error) {
	native, err := restaking.PendingNative(r, a)
	if err != nil {
		return nil, err
	}
	p, err := params.Load(r)
	if err != nil {
		return nil, err
	}
	out := make([]stream, len(native))
	for i, n := range native {
		op := n.Operator.String()
		out[i] = stream{view: RewardStream{Stream: StreamNativePrefix + op, Denom: p.NativeDenom, Operator: op, Asset: p.NativeDenom},
			pending: coin.Coins{coin.New(p.NativeDenom, n.Pending)}}
	}
	return out, nil
}

// serviceStreams are the account's unclaimed service rewards, as a staker
// per position and as an operator per vault.
func serviceStreams(r store.Reader, a account.Address) ([]stream, error) {
	list, err := restaking.PendingService(r, a)
	if err != nil {
		return nil, err
	}
	out := make([]stream, len(list))
	for i, x := range list {
		out[i] = stream{view: RewardStream{Stream: StreamServicePrefix + x.Service, Service: x.Service, Denom: x.Denom,
			Role: x.Role, Operator: x.Operator.String(), Asset: x.Asset}, pending: coin.Coins{coin.New(x.Denom, x.Amount)}}
	}
	return out, nil
}

func (s *Server) rewards(req *http.Request) (any, error) {
	a, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		streams, err := rewardStreams(r, a)
		if err != nil {
			return nil, err
		}
		y, err := restaking.Yields(r, a, now)
		if err != nil {
			return nil, err
		}
		streams = withYields(streams, y)
		out := Rewards{Height: h, Address: a.String(), Streams: make([]RewardStream, len(streams)),
			Stake: y.Stake.String(), APR: decText(y.APR)}
		var total coin.Coins
		for i, st := range streams {
			out.Streams[i] = st.view
			out.Streams[i].Pending = coins(st.pending)
			if total, err = total.Add(st.pending); err != nil {
				return nil, err
			}
		}
		out.Total = coins(total)
		return out, nil
	})
}
