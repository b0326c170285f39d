package api

import (
	"net/http"
	"time"

	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
)

// Validator is a validator as the API shows it. Tokens and shares are
// integers and commission a fraction, all as decimal strings.
type Validator struct {
	Operator        string `json:"operator"`
	Moniker         string `json:"moniker"`
	Status          string `json:"status"` // bonded: in the set last sent to consensus
	Tokens          string `json:"tokens"`
	DelegatorShares string `json:"delegator_shares"`
	Commission      string `json:"commission"`
	VotingPower     int64  `json:"voting_power"`
	Jailed          bool   `json:"jailed"`
	JailedUntil     string `json:"jailed_until,omitempty"` // RFC 3339
	Tombstoned      bool   `json:"tombstoned"`
	ConsPubKey      []byte `json:"cons_pub_key"` // ed25519, base64
	ConsAddress     string `json:"cons_address"` // CometBFT validator address, hex
	CreatedHeight   int64  `json:"created_height"`
}

// Validators is GET /v1/validators, by tokens descending.
type Validators struct {
	Height     int64       `json:"height"`
	Validators []Validator `json:"validators"`
}

// ValidatorResponse is GET /v1/validators/{addr}.
type ValidatorResponse struct {
	Height    int64     `json:"height"`
	Validator Validator `json:"validator"`
}

// Delegation is a delegator's stake with one validator; Tokens is what the
// shares are worth now, rounded down.
type Delegation struct {
	Validator string `json:"validator"`
	Shares    string `json:"shares"`
	Tokens    string `json:"tokens"`
}

// Delegations is GET /v1/delegations/{addr}.
type Delegations struct {
	Height      int64        `json:"height"`
	Delegator   string       `json:"delegator"`
	Delegations []Delegation `json:"delegations"`
}

// Unbonding is one unbonding entry: Balance was requested, Value is what it
// pays at completion after any slashing so far.
type Unbonding struct {
	ID             uint64 `json:"id"`
	Validator      string `json:"validator"`
	Balance        string `json:"balance"`
	Value          string `json:"value"`
	CreationHeight int64  `json:"creation_height"`
	CreatedAt      string `json:"created_at"`   // RFC 3339
	CompletesAt    string `json:"completes_at"` // RFC 3339
}

// Unbondings is GET /v1/unbondings/{addr}.
type Unbondings struct {
	Height     int64       `json:"height"`
	Delegator  string      `json:"delegator"`
	Unbondings []Unbonding `json:"unbondings"`
}

func unixTime(s int64) string { return time.Unix(s, 0).UTC().Format(time.RFC3339) }

func validatorView(v staking.Validator, power map[string]int64) Validator {
	out := Validator{Operator: v.Operator.String(), Moniker: v.Moniker, Status: string(v.Status),
		Tokens: v.Tokens.String(), DelegatorShares: v.DelegatorShares.String(), Commission: v.Commission.String(),
		VotingPower: power[string(v.ConsPubKey)], Jailed: v.Jailed, Tombstoned: v.Tombstoned,
		ConsPubKey: v.ConsPubKey, ConsAddress: hexUpper(v.ConsAddress()), CreatedHeight: v.CreatedHeight}
	if v.Jailed && v.JailedUntil_s > 0 {
		out.JailedUntil = unixTime(v.JailedUntil_s)
	}
	return out
}

// votingPower maps consensus keys to their power in the active set.
func votingPower(r store.Reader) (map[string]int64, error) {
	set, err := staking.ActiveSet(r)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(set))
	for _, u := range set {
		out[string(u.ConsPubKey)] = u.Power
	}
	return out, nil
}

func (s *Server) validators(*http.Request) (any, error) {
	return s.read(func(r store.Reader, h int64) (any, error) {
		vals, err := staking.Validators(r)
		if err != nil {
			return nil, err
		}
		power, err := votingPower(r)
		if err != nil {
			return nil, err
		}
		out := Validators{Height: h, Validators: make([]Validator, len(vals))}
		for i, v := range vals {
			out.Validators[i] = validatorView(v, power)
		}
		return out, nil
	})
}

func (s *Server) validator(req *http.Request) (any, error) {
	op, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		v, found, err := staking.GetValidator(r, op)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, notFound("no validator with operator %s", op)
		}
		power, err := votingPower(r)
		if err != nil {
			return nil, err
		}
		return ValidatorResponse{Height: h, Validator: validatorView(v, power)}, nil
	})
}

func (s *Server) delegations(req *http.Request) (any, error) {
	d, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		dels, err := staking.DelegationsOf(r, d)
		if err != nil {
			return nil, err
		}
		out := Delegations{Height: h, Delegator: d.String(), Delegations: make([]Delegation, len(dels))}
		for i, x := range dels {
			out.Delegations[i] = Delegation{Validator: x.Validator.String(), Shares: x.Shares.String(), Tokens: x.Tokens.String()}
		}
		return out, nil
	})
}

func (s *Server) unbondings(req *http.Request) (any, error) {
	d, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		ubds, err := staking.UnbondingsOf(r, d)
		if err != nil {
			return nil, err
		}
		out := Unbondings{Height: h, Delegator: d.String(), Unbondings: make([]Unbonding, len(ubds))}
		for i, u := range ubds {
			out.Unbondings[i] = Unbonding{ID: u.ID, Validator: u.Validator.String(), Balance: u.Balance.String(),
				Value: u.Value.String(), CreationHeight: u.CreationHeight,
				CreatedAt: unixTime(u.Creation_s), CompletesAt: unixTime(u.Completion_s)}
		}
		return out, nil
	})
}
