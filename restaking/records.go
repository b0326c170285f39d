package restaking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Asset kinds: how an asset's value in native units is found.
const (
	KindNative = "native" // the native denom: 1 native unit per base unit
	KindLiquid = "liquid" // ststake: the liquid-staking rate
	KindPriced = "priced" // any other denom: the authority's price
)

// Asset is a restakable denom.
type Asset struct {
	Denom string  `json:"denom"`
	Kind  string  `json:"kind"`
	Price num.Dec `json:"price"` // native units per base unit (KindPriced only)
}

// Operator is a registered restaking operator.
type Operator struct {
	Address           account.Address `json:"address"`
	Validator         bool            `json:"validator"` // runs the validator of the same address; native stake is delegated to it
	AllocationDelay_s uint64          `json:"allocation_delay_s"`
	Degree            uint64          `json:"degree"` // restaking degree L
	Commission        num.Dec         `json:"commission"`
	Metadata          string          `json:"metadata"`
	Registered_s      int64           `json:"registered_s"`
	Services          uint32          `json:"services"` // memberships that are opted in or still slashable
	Pending           *OperatorChange `json:"pending,omitempty"`
}

// OperatorChange is a delayed change of an operator's allocation delay or degree.
type OperatorChange struct {
	AllocationDelay_s uint64 `json:"allocation_delay_s"`
	Degree            uint64 `json:"degree"`
	Effective_s       int64  `json:"effective_s"`
}

// current applies a due pending change (records are rewritten lazily).
func (o Operator) current(now_s int64) Operator {
	if o.Pending != nil && now_s >= o.Pending.Effective_s {
		o.AllocationDelay_s, o.Degree, o.Pending = o.Pending.AllocationDelay_s, o.Pending.Degree, nil
	}
	return o
}

// SlashConfig is the part of a service whose changes are delayed.
type SlashConfig struct {
	Slasher      account.Address `json:"slasher"`
	Resolver     account.Address `json:"resolver"` // zero: no veto
	VetoWindow_s uint64          `json:"veto_window_s"`
	Destination  account.Address `json:"destination"` // zero: burn
	MaxSlash     num.Dec         `json:"max_slash_fraction"`
}

// Service is a registered service (SPEC §6.1).
type Service struct {
	Name               string          `json:"name"`
	Admin              account.Address `json:"admin"`
	SlashConfig                        // in force
	Assets             []string        `json:"assets"`
	Allowlist          bool            `json:"allowlist"`
	MinOperatorStake   num.Int         `json:"min_operator_stake"`  // native units
	MaxOperatorDegree  uint64          `json:"max_operator_degree"` // 0: no cap
	PfC                num.Int         `json:"pfc"`
	Threshold          num.Dec         `json:"threshold"`
	Metadata           string          `json:"metadata"`
	Registered_s       int64           `json:"registered_s"`
	Members            uint32          `json:"members"` // membership records (past and present)
	Pending            *SlashConfig    `json:"pending,omitempty"`
	PendingEffective_s int64           `json:"pending_effective_s,omitempty"`
}

func (s Service) current(now_s int64) Service {
	if s.Pending != nil && now_s >= s.PendingEffective_s {
		s.SlashConfig, s.Pending, s.PendingEffective_s = *s.Pending, nil, 0
	}
	return s
}

func (s Service) accepts(denom string) bool {
	for _, a := range s.Assets {
		if a == denom {
			return true
		}
	}
	return false
}

// Membership is an operator's standing with a service.
type Membership struct {
	Allowed          bool  `json:"allowed"`
	OptedIn          bool  `json:"opted_in"`
	SlashableUntil_s int64 `json:"slashable_until_s"` // after an opt-out: now + deallocation_delay
	Counted          bool  `json:"counted"`           // counts in the operator's Services
}

func (m Membership) slashable(now_s int64) bool { return m.OptedIn || now_s < m.SlashableUntil_s }

// Vault is the lazy accounting of one (operator, asset) (doc.go).
type Vault struct {
	MaxMag   num.Dec // only decreases, through slashes
	Scaled   num.Int // Σ scaled shares σ of the positions
	Units    num.Int // backing units: active stake plus queued withdrawals not yet completed
	Queued   num.Int // of Units, those backing queued withdrawals
	AllocSum num.Dec // Σ over services of max(magnitude, pending target)
	Allocs   uint32  // allocation records
}

func newVault() Vault { return Vault{MaxMag: num.OneDec()} }

const vaultVersion, allocVersion, positionVersion, withdrawalVersion = 1, 1, 1, 1

func (v *Vault) MarshalRecord() []byte {
	w := state.NewWriter(vaultVersion, 96)
	w.Dec(v.MaxMag)
	w.Int(v.Scaled)
	w.Int(v.Units)
	w.Int(v.Queued)
	w.Dec(v.AllocSum)
	w.Uvarint(uint64(v.Allocs))
	return w.Out()
}

func (v *Vault) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, vaultVersion)
	v.MaxMag, v.Scaled, v.Units, v.Queued, v.AllocSum, v.Allocs = r.Dec(), r.Int(), r.Int(), r.Int(), r.Dec(), uint32(r.Uvarint())
	return r.Done()
}

// Allocation is the magnitude one (operator, asset) allocates to a service.
type Allocation struct {
	Mag         num.Dec // in force
	Target      num.Dec // pending magnitude (when Effective_s > 0)
	Effective_s int64   // when Target takes effect; 0: nothing pending
}

func (a Allocation) pending() bool { return a.Effective_s > 0 }

// ceiling is what counts against L · maxMagnitude: the larger of the
// magnitude in force and a pending one (a decrease stays slashable).
func (a Allocation) ceiling() num.Dec {
	if a.pending() && a.Target.GT(a.Mag) {
		return a.Target
	}
	return a.Mag
}

func (a *Allocation) MarshalRecord() []byte {
	w := state.NewWriter(allocVersion, 48)
	w.Dec(a.Mag)
	w.Dec(a.Target)
	w.Varint(a.Effective_s)
	return w.Out()
}

func (a *Allocation) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, allocVersion)
	a.Mag, a.Target, a.Effective_s = r.Dec(), r.Dec(), r.Varint()
	return r.Done()
}

// Position is one (staker, operator, asset).
type Position struct {
	Scaled    num.Int // σ: withdrawable units = σ · maxMagnitude
	Deposited num.Int // principal in the asset, net of withdrawals (pro rata): slashed status
}

func (p *Position) MarshalRecord() []byte {
	w := state.NewWriter(positionVersion, 40)
	w.Int(p.Scaled)
	w.Int(p.Deposited)
	return w.Out()
}

func (p *Position) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, positionVersion)
	p.Scaled, p.Deposited = r.Int(), r.Int()
	return r.Done()
}

// Withdrawal is a queued withdrawal.
type Withdrawal struct {
	ID        uint64
	Staker    account.Address
	Operator  account.Address
	Asset     string
	Scaled    num.Int // σ removed from the position
	Principal num.Int // the position's principal that left with it
	Start_s   int64
	Due_s     int64 // start + withdrawal_delay: completable from then, paid at the magnitude in force just before
	Completed bool
	Paid      num.Int // asset amount paid (native: the unbonding entry's initial amount)
	Done_s    int64
}

func (w *Withdrawal) MarshalRecord() []byte {
	o := state.NewWriter(withdrawalVersion, 120)
	o.Uvarint(w.ID)
	o.Fixed(w.Staker[:])
	o.Fixed(w.Operator[:])
	o.String(w.Asset)
	o.Int(w.Scaled)
	o.Int(w.Principal)
	o.Varint(w.Start_s)
	o.Varint(w.Due_s)
	o.Bool(w.Completed)
	o.Int(w.Paid)
	o.Varint(w.Done_s)
	return o.Out()
}

func (w *Withdrawal) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, withdrawalVersion)
	w.ID = r.Uvarint()
	r.Fixed(w.Staker[:])
	r.Fixed(w.Operator[:])
	w.Asset, w.Scaled, w.Principal, w.Start_s, w.Due_s = r.String(), r.Int(), r.Int(), r.Varint(), r.Varint()
	w.Completed, w.Paid, w.Done_s = r.Bool(), r.Int(), r.Varint()
	return r.Done()
}

// Slash statuses.
const (
	SlashPending  = "pending" // waiting for its veto window
	SlashVetoed   = "vetoed"
	SlashExecuted = "executed"
)

// Slash is a slash request and, once executed, what it took.
type Slash struct {
	ID             uint64          `json:"id"`
	Service        string          `json:"service"`
	Operator       account.Address `json:"operator"`
	Slasher        account.Address `json:"slasher"` // who requested it
	Fraction       num.Dec         `json:"fraction"`
	Assets         []string        `json:"assets"`
	Allocated      []num.Dec       `json:"allocated_at_request"` // per asset: the magnitude slashable at request
	Reason         string          `json:"reason"`
	Requested_s    int64           `json:"requested_s"`
	RequestHeight  int64           `json:"request_height"`
	ExecuteAfter_s int64           `json:"execute_after_s"` // end of the veto window (= requested_s without a resolver)
	Status         string          `json:"status"`
	Executed_s     int64           `json:"executed_s,omitempty"`
	Taken          []SlashTake     `json:"taken,omitempty"`
	Destination    account.Address `json:"destination"` // zero: burned
	Release_s      int64           `json:"release_s,omitempty"`
	Claimed        bool            `json:"claimed"`
}

// SlashTake is what one executed slash took in one asset.
type SlashTake struct {
	Asset        string  `json:"asset"`
	Magnitude    num.Dec `json:"magnitude"`     // slashedMag
	MaxMagnitude num.Dec `json:"max_magnitude"` // after the slash
	Units        num.Int `json:"units"`         // vault units removed (active and queued)
	FromQueued   num.Int `json:"from_queued"`   // of which from queued withdrawals
	Amount       num.Int `json:"amount"`        // asset base units burned or escrowed
}

// loadRecord reads the record under key into a new T (found false: absent).
func loadRecord[T any](r store.Reader, key []byte) (T, bool, error) {
	var v T
	found, err := state.Load(r, key, &v)
	return v, found, err
}
