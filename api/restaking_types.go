package api

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/restaking"
)

// Restaking (SPEC §6) as the API shows it. Records are shown as in force
// at the last committed block: a delayed change that is due by then shows
// as applied. Magnitudes and fractions are decimals, amounts integers in
// the asset's base units and values integers in native units, all as
// strings; durations are seconds (suffix _s) and times RFC 3339.

// Operator is a registered restaking operator.
type Operator struct {
	Address           string          `json:"address"`
	Validator         bool            `json:"validator"` // runs the validator of the same address; native deposits are delegated to it
	AllocationDelay_s uint64          `json:"allocation_delay_s"`
	Degree            uint64          `json:"degree"`
	Commission        string          `json:"commission"`
	Metadata          string          `json:"metadata"`
	RegisteredAt      string          `json:"registered_at"`
	Services          uint32          `json:"services"`
	Pending           *OperatorChange `json:"pending,omitempty"`
}

// OperatorChange is a scheduled change of allocation delay or degree.
type OperatorChange struct {
	AllocationDelay_s uint64 `json:"allocation_delay_s"`
	Degree            uint64 `json:"degree"`
	EffectiveAt       string `json:"effective_at"`
}

// Operators is GET /v1/operators, by address.
type Operators struct {
	Height    int64      `json:"height"`
	Operators []Operator `json:"operators"`
	Next      string     `json:"next"` // ?after= of the next page; "" on the last
}

// AssetStake is an operator's delegated stake in one asset.
type AssetStake struct {
	Asset  string `json:"asset"`
	Amount string `json:"amount"`
	Value  string `json:"value"`
}

// Allocation is the magnitude of an operator's stake in one asset that a
// service may slash, with its scheduled change if any.
type Allocation struct {
	Service            string             `json:"service"`
	Asset              string             `json:"asset"`
	Magnitude          string             `json:"magnitude"`
	EffectiveMagnitude string             `json:"effective_magnitude"` // min(magnitude, maxMagnitude)
	Stake              string             `json:"stake"`               // slashable by the service now
	Pending            *PendingAllocation `json:"pending,omitempty"`
	Commission         string             `json:"commission"` // the operator's cut of this service's rewards, in force
	PendingCommission  *PendingCommission `json:"pending_commission,omitempty"`
}

// PendingCommission is a commission change waiting for commission_change_delay.
type PendingCommission struct {
	Rate        string `json:"rate"`
	EffectiveAt string `json:"effective_at"`
}

// PendingAllocation is an allocation change waiting for its delay.
type PendingAllocation struct {
	Magnitude   string `json:"magnitude"`
	EffectiveAt string `json:"effective_at"`
}

// OperatorResponse is GET /v1/operators/{addr}.
type OperatorResponse struct {
	Height      int64        `json:"height"`
	Operator    Operator     `json:"operator"`
	Stake       []AssetStake `json:"stake"` // assets with stake only
	Allocations []Allocation `json:"allocations"`
}

// SlashConfig is the part of a service whose changes are delayed.
type SlashConfig struct {
	Slasher          string `json:"slasher"`
	Resolver         string `json:"resolver"` // "" when slashes cannot be vetoed
	VetoWindow_s     uint64 `json:"veto_window_s"`
	Destination      string `json:"destination"` // "burn" or the recipient's address
	MaxSlashFraction string `json:"max_slash_fraction"`
	EffectiveAt      string `json:"effective_at,omitempty"` // pending configurations only
}

// Service is a registered service.
type Service struct {
	Name              string       `json:"name"`
	Admin             string       `json:"admin"`
	Slasher           string       `json:"slasher"`
	Resolver          string       `json:"resolver"`
	VetoWindow_s      uint64       `json:"veto_window_s"`
	Destination       string       `json:"destination"`
	MaxSlashFraction  string       `json:"max_slash_fraction"`
	Assets            []string     `json:"assets"`
	Policy            string       `json:"policy"` // open or allowlist
	MinOperatorStake  string       `json:"min_operator_stake"`
	MaxOperatorDegree uint64       `json:"max_operator_degree"` // 0: no cap
	PfC               string       `json:"pfc"`
	Threshold         string       `json:"threshold"`
	Metadata          string       `json:"metadata"`
	RegisteredAt      string       `json:"registered_at"`
	Members           uint32       `json:"members"`
	Pending           *SlashConfig `json:"pending,omitempty"`
}

// Services is GET /v1/services, by name.
type Services struct {
	Height   int64     `json:"height"`
	Services []Service `json:"services"`
	Next     string    `json:"next"` // ?after= of the next page; "" on the last
}

// ServiceResponse is GET /v1/services/{name}.
type ServiceResponse struct {
	Height  int64   `json:"height"`
	Service Service `json:"service"`
}

// StakeEntry is one operator's stake slashable by a service in one asset.
type StakeEntry struct {
	Operator  string `json:"operator"`
	Asset     string `json:"asset"`
	Magnitude string `json:"magnitude"`
	Amount    string `json:"amount"`
	Value     string `json:"value"` // at the asset value recorded by that height
}

// ServiceStake is GET /v1/services/{name}/stake: the stake history read
// services base quorum checks on.
type ServiceStake struct {
	Height    int64        `json:"height"`
	Service   string       `json:"service"`
	AtHeight  int64        `json:"at_height"`
	Operators []string     `json:"operators"` // opted in at the end of at_height
	Stake     []StakeEntry `json:"stake"`
	Total     string       `json:"total"`
}

// Position is a staker's restaked deposit with one operator in one asset.
type Position struct {
	Operator     string `json:"operator"`
	Asset        string `json:"asset"`
	ScaledShares string `json:"scaled_shares"`
	Deposited    string `json:"deposited"`    // principal net of withdrawals
	Withdrawable string `json:"withdrawable"` // what a withdrawal can take now
	Slashed      string `json:"slashed"`      // deposited − withdrawable, 0 if it grew
	MaxMagnitude string `json:"max_magnitude"`
	Value        string `json:"value"`
}

// Positions is GET /v1/positions/{addr}.
type Positions struct {
	Height    int64      `json:"height"`
	Staker    string     `json:"staker"`
	Positions []Position `json:"positions"`
}

// Withdrawal is a queued (or completed) restaking withdrawal.
type Withdrawal struct {
	ID           uint64 `json:"id"`
	Staker       string `json:"staker"`
	Operator     string `json:"operator"`
	Asset        string `json:"asset"`
	ScaledShares string `json:"scaled_shares"`
	Principal    string `json:"principal"`
	StartedAt    string `json:"started_at"`
	DueAt        string `json:"due_at"`
	Completed    bool   `json:"completed"`
	CompletedAt  string `json:"completed_at,omitempty"`
	Value        string `json:"value"` // what completing pays now, or what it paid
	Completable  bool   `json:"completable"`
	HeldBySlash  uint64 `json:"held_by_slash,omitempty"` // due, but waiting for this slash request to be vetoed or executed
}

// Withdrawals is GET /v1/withdrawals/{addr}, newest first.
type Withdrawals struct {
	Height      int64        `json:"height"`
	Staker      string       `json:"staker"`
	Withdrawals []Withdrawal `json:"withdrawals"`
	Next        string       `json:"next"` // ?before= of the next page; "" on the last
}

// WithdrawalResponse is GET /v1/withdrawal/{id}.
type WithdrawalResponse struct {
	Height     int64      `json:"height"`
	Withdrawal Withdrawal `json:"withdrawal"`
}

// SlashTake is what an executed slash took in one asset.
type SlashTake struct {
	Asset        string `json:"asset"`
	Magnitude    string `json:"magnitude"`
	MaxMagnitude string `json:"max_magnitude"` // after the slash
	Units        string `json:"units"`
	FromQueued   string `json:"from_queued"`
	Amount       string `json:"amount"` // burned or escrowed
}

// Slash is a slash request and, once executed, what it took.
type Slash struct {
	ID            uint64      `json:"id"`
	Service       string      `json:"service"`
	Operator      string      `json:"operator"`
	Slasher       string      `json:"slasher"` // who requested it
	Fraction      string      `json:"fraction"`
	Assets        []string    `json:"assets"`
	Reason        string      `json:"reason"`
	RequestedAt   string      `json:"requested_at"`
	RequestHeight int64       `json:"request_height"`
	ExecuteAfter  string      `json:"execute_after"`
	Status        string      `json:"status"` // pending, vetoed or executed
	ExecutedAt    string      `json:"executed_at,omitempty"`
	Taken         []SlashTake `json:"taken"`
	Destination   string      `json:"destination,omitempty"` // once executed: burn or the recipient
	ReleaseAt     string      `json:"release_at,omitempty"`  // redistributed: when the recipient may claim
	Claimed       bool        `json:"claimed"`
}

// Slashes is GET /v1/slashes, newest first.
type Slashes struct {
	Height  int64   `json:"height"`
	Slashes []Slash `json:"slashes"`
	Next    string  `json:"next"` // ?before= of the next page; "" on the last
}

// SlashResponse is GET /v1/slashes/{id}.
type SlashResponse struct {
	Height int64 `json:"height"`
	Slash  Slash `json:"slash"`
}

// Asset is a restakable denom and its value in native units now.
type Asset struct {
	Denom string `json:"denom"`
	Kind  string `json:"kind"`            // native, liquid or priced
	Price string `json:"price,omitempty"` // priced assets: the authority's price
	Value string `json:"value"`
}

// Assets is GET /v1/assets, by denom.
type Assets struct {
	Height int64   `json:"height"`
	Assets []Asset `json:"assets"`
}

// optTime is an RFC 3339 time, or "" for an unset (zero) one.
func optTime(s int64) string {
	if s == 0 {
		return ""
	}
	return unixTime(s)
}

// optAddr is a bech32 address, or "" for the zero address (no one).
func optAddr(a account.Address) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}

func destination(a account.Address) string {
	if a.IsZero() {
		return "burn"
	}
	return a.String()
}

func operatorView(o restaking.Operator) Operator {
	out := Operator{Address: o.Address.String(), Validator: o.Validator, AllocationDelay_s: o.AllocationDelay_s,
		Degree: o.Degree, Commission: o.Commission.String(), Metadata: o.Metadata,
		RegisteredAt: unixTime(o.Registered_s), Services: o.Services}
	if p := o.Pending; p != nil {
		out.Pending = &OperatorChange{AllocationDelay_s: p.AllocationDelay_s, Degree: p.Degree, EffectiveAt: unixTime(p.Effective_s)}
	}
	return out
}

func allocationView(a restaking.AllocationView, c restaking.Commission) Allocation {
	out := Allocation{Service: a.Service, Asset: a.Asset, Magnitude: a.Magnitude.String(),
		EffectiveMagnitude: a.Effective.String(), Stake: a.Stake.String(), Commission: c.Rate.String()}
	if a.Pending {
		out.Pending = &PendingAllocation{Magnitude: a.Target.String(), EffectiveAt: unixTime(a.Effective_s)}
	}
	if c.Pending != nil {
		out.PendingCommission = &PendingCommission{Rate: c.Pending.String(), EffectiveAt: unixTime(c.Effective_s)}
	}
	return out
}

func slashConfigView(c restaking.SlashConfig) SlashConfig {
	return SlashConfig{Slasher: c.Slasher.String(), Resolver: optAddr(c.Resolver), VetoWindow_s: c.VetoWindow_s,
		Destination: destination(c.Destination), MaxSlashFraction: c.MaxSlash.String()}
}

func serviceView(s restaking.Service) Service {
	c := slashConfigView(s.SlashConfig)
	out := Service{Name: s.Name, Admin: s.Admin.String(), Slasher: c.Slasher, Resolver: c.Resolver,
		VetoWindow_s: c.VetoWindow_s, Destination: c.Destination, MaxSlashFraction: c.MaxSlashFraction,
		Assets: s.Assets, Policy: "open", MinOperatorStake: s.MinOperatorStake.String(),
		MaxOperatorDegree: s.MaxOperatorDegree, PfC: s.PfC.String(), Threshold: s.Threshold.String(),
		Metadata: s.Metadata, RegisteredAt: unixTime(s.Registered_s), Members: s.Members}
	if s.Allowlist {
		out.Policy = "allowlist"
	}
	if s.Pending != nil {
		p := slashConfigView(*s.Pending)
		p.EffectiveAt = unixTime(s.PendingEffective_s)
		out.Pending = &p
	}
	return out
}

func serviceStakeView(h int64, st restaking.ServiceStake) ServiceStake {
	out := ServiceStake{Height: h, Service: st.Service, AtHeight: st.Height, Operators: make([]string, len(st.Operators)),
		Stake: make([]StakeEntry, len(st.Stake)), Total: st.Total.String()}
	for i, op := range st.Operators {
		out.Operators[i] = op.String()
	}
	for i, e := range st.Stake {
		out.Stake[i] = StakeEntry{Operator: e.Operator.String(), Asset: e.Asset, Magnitude: e.Magnitude.String(),
			Amount: e.Amount.String(), Value: e.Value.String()}
	}
	return out
}

func positionView(p restaking.PositionView) Position {
	return Position{Operator: p.Operator.String(), Asset: p.Asset, ScaledShares: p.Scaled.String(),
		Deposited: p.Deposited.String(), Withdrawable: p.Withdrawable.String(), Slashed: p.Slashed.String(),
		MaxMagnitude: p.MaxMagnitude.String(), Value: p.Value.String()}
}

func withdrawalView(w restaking.WithdrawalView) Withdrawal {
	out := Withdrawal{ID: w.ID, Staker: w.Staker.String(), Operator: w.Operator.String(), Asset: w.Asset,
		ScaledShares: w.Scaled.String(), Principal: w.Principal.String(), StartedAt: unixTime(w.Start_s),
		DueAt: unixTime(w.Due_s), Completed: w.Completed, Value: w.Value.String(), Completable: w.Completable, HeldBySlash: w.HeldBy}
	if w.Completed {
		out.CompletedAt = unixTime(w.Done_s)
	}
	return out
}

func slashView(s restaking.Slash) Slash {
	out := Slash{ID: s.ID, Service: s.Service, Operator: s.Operator.String(), Slasher: s.Slasher.String(), Fraction: s.Fraction.String(),
		Assets: s.Assets, Reason: s.Reason, RequestedAt: unixTime(s.Requested_s), RequestHeight: s.RequestHeight,
		ExecuteAfter: unixTime(s.ExecuteAfter_s), Status: s.Status, ExecutedAt: optTime(s.Executed_s),
		Taken: make([]SlashTake, len(s.Taken)), ReleaseAt: optTime(s.Release_s), Claimed: s.Claimed}
	// The destination is the service's at execution: a pending request has none yet.
	if s.Status == restaking.SlashExecuted {
		out.Destination = destination(s.Destination)
	}
	for i, t := range s.Taken {
		out.Taken[i] = SlashTake{Asset: t.Asset, Magnitude: t.Magnitude.String(), MaxMagnitude: t.MaxMagnitude.String(),
			Units: t.Units.String(), FromQueued: t.FromQueued.String(), Amount: t.Amount.String()}
	}
	return out
}
