package restaking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Queries read committed state; now_s is the last block time (pending
// configuration that is due by then shows as in force).

// GetOperator returns an operator as in force at now_s.
func GetOperator(r store.Reader, op account.Address, now_s int64) (Operator, error) {
	return loadOperator(r, op, now_s)
}

// Operators lists operators by address after `after` (zero: from the start), at most limit.
func Operators(r store.Reader, after account.Address, limit int, now_s int64) ([]Operator, error) {
	return listJSON(r, prefixOperator, after[:], !after.IsZero(), limit, func(o Operator) Operator { return o.current(now_s) })
}

// GetService returns a service as in force at now_s.
func GetService(r store.Reader, name string, now_s int64) (Service, error) {
	return loadService(r, name, now_s)
}

// Services lists services by name after `after`, at most limit.
func Services(r store.Reader, after string, limit int, now_s int64) ([]Service, error) {
	return listJSON(r, prefixService, []byte(after), after != "", limit, func(s Service) Service { return s.current(now_s) })
}

func listJSON[T any](r store.Reader, prefix, after []byte, skip bool, limit int, view func(T) T) ([]T, error) {
	start := state.Key(prefix, after)
	if skip {
		start = append(start, 0)
	}
	var out []T
	var err error
	r.Iterate(start, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
		var x T
		if err = state.Decode(k, v, &x); err != nil {
			return false
		}
		out = append(out, view(x))
		return len(out) < limit
	})
	return out, err
}

// PositionView is a position with its current value and slashed status.
type PositionView struct {
	Staker       account.Address `json:"staker"`
	Operator     account.Address `json:"operator"`
	Asset        string          `json:"asset"`
	Scaled       num.Int         `json:"scaled_shares"`
	Deposited    num.Int         `json:"deposited"`    // principal net of withdrawals
	Withdrawable num.Int         `json:"withdrawable"` // s·k·m·l now
	Slashed      num.Int         `json:"slashed"`      // principal − withdrawable (0 if it grew)
	MaxMagnitude num.Dec         `json:"max_magnitude"`
	Value        num.Int         `json:"value"` // withdrawable in native units
}

// Positions lists staker's positions (all of them: at most MaxPositionsPerStaker).
func Positions(r store.Reader, staker account.Address) ([]PositionView, error) {
	list, err := rawPositions(r, staker)
	if err != nil {
		return nil, err
	}
	out := make([]PositionView, 0, len(list))
	for _, x := range list {
		pv, err := viewPosition(r, staker, x.op, x.asset, x.pos)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}

func viewPosition(r store.Reader, staker, op account.Address, asset string, p Position) (PositionView, error) {
	pv := PositionView{Staker: staker, Operator: op, Asset: asset, Scaled: p.Scaled, Deposited: p.Deposited}
	vv, err := vaultOf(r, op, asset)
	if err != nil {
		return pv, err
	}
	a := vv.asset
	pv.MaxMagnitude = vv.v.MaxMag
	if pv.Withdrawable, err = vv.withdrawable(p.Scaled); err != nil {
		return pv, err
	}
	pv.Slashed = p.Deposited.SubSat(pv.Withdrawable)
	pv.Value, err = nativeValue(r, a, pv.Withdrawable)
	return pv, err
}

// Withdrawable is what staker's position with op in asset can withdraw now
// (0 without a position).
func Withdrawable(r store.Reader, staker, op account.Address, asset string) (num.Int, error) {
	p, found, err := loadPosition(r, staker, op, asset)
	if err != nil || !found {
		return num.Int{}, err
	}
	pv, err := viewPosition(r, staker, op, asset, p)
	return pv.Withdrawable, err
}

// OperatorStake is op's delegated stake in asset now (asset base units).
func OperatorStake(r store.Reader, op account.Address, asset string) (num.Int, error) {
	vv, err := vaultOf(r, op, asset)
	if err != nil {
		return num.Int{}, err
	}
	return vv.toTokens(vv.active())
}

// AllocatedStake is op's stake in asset slashable by svc now (asset base units).
func AllocatedStake(r store.Reader, op account.Address, svc, asset string) (num.Int, error) {
	a, err := loadAsset(r, asset)
	if err != nil {
		return num.Int{}, err
	}
	al, _, err := loadAlloc(r, op, asset, svc)
	if err != nil {
		return num.Int{}, err
	}
	vv, err := loadVault(r, op, a)
	if err != nil {
		return num.Int{}, err
	}
	u, err := vv.allocatedUnits(al.Mag)
	if err != nil {
		return u, err
	}
	return vv.toTokens(u)
}

// AllocationView is one allocation of an operator.
type AllocationView struct {
	Service     string  `json:"service"`
	Asset       string  `json:"asset"`
	Magnitude   num.Dec `json:"magnitude"`
	Effective   num.Dec `json:"effective_magnitude"` // min(magnitude, maxMagnitude)
	Pending     bool    `json:"pending"`
	Target      num.Dec `json:"pending_magnitude"`
	Effective_s int64   `json:"pending_effective_s"`
	Stake       num.Int `json:"stake"` // asset base units slashable by the service now
}

// Allocations lists op's allocations in every asset, with pending changes.
func Allocations(r store.Reader, op account.Address) ([]AllocationView, error) {
	assets, err := Assets(r)
	if err != nil {
		return nil, err
	}
	var out []AllocationView
	for _, a := range assets {
		vv, err := loadVault(r, op, a)
		if err != nil {
			return nil, err
		}
		prefix := allocPrefix(op, a.Denom)
		store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
			var al Allocation
			if err = state.Decode(k, v, &al); err != nil {
				return false
			}
			av := AllocationView{Service: string(k[len(prefix):]), Asset: a.Denom, Magnitude: al.Mag,
				Effective: minDec(al.Mag, vv.v.MaxMag), Pending: al.pending(), Target: al.Target, Effective_s: al.Effective_s}
			var u num.Int
			if u, err = vv.allocatedUnits(al.Mag); err == nil {
				av.Stake, err = vv.toTokens(u)
			}
			out = append(out, av)
			return err == nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WithdrawalView is a withdrawal with what it would pay now.
type WithdrawalView struct {
	Withdrawal
	Value       num.Int `json:"value"` // what completing pays now (or paid); a pending slash may still lower it
	Completable bool    `json:"completable"`
	HeldBy      uint64  `json:"held_by_slash,omitempty"` // due, but waiting for this slash request to be resolved
}

// GetWithdrawal returns withdrawal id (completed ones stay queryable).
func GetWithdrawal(r store.Reader, id uint64, now_s int64) (WithdrawalView, bool, error) {
	var w Withdrawal
	found, err := state.Load(r, withdrawalKey(id), &w)
	if err != nil || !found {
		return WithdrawalView{}, found, err
	}
	wv := WithdrawalView{Withdrawal: w, Value: w.Paid, Completable: !w.Completed && now_s >= w.Due_s}
	if w.Completed {
		return wv, true, nil
	}
	if wv.Completable { // due: a pending slash requested before may still hold it
		id, held, err := heldBy(r, w)
		if err != nil {
			return wv, true, err
		}
		if held {
			wv.HeldBy, wv.Completable = id, false
		}
	}
	vv, err := vaultOf(r, w.Operator, w.Asset)
	if err != nil {
		return wv, true, err
	}
	_, wv.Value, err = withdrawalValue(r, vv, w)
	return wv, true, err
}

// WithdrawalsOf lists staker's withdrawals, newest first, with id < before
// (0: from the newest), at most limit.
func WithdrawalsOf(r store.Reader, staker account.Address, before uint64, limit int, now_s int64) ([]WithdrawalView, error) {
	ids := idsBefore(r, state.Key(prefixWdByStaker, staker[:]), before, limit)
	out := make([]WithdrawalView, 0, len(ids))
	for _, id := range ids {
		wv, _, err := GetWithdrawal(r, id, now_s)
		if err != nil {
			return nil, err
		}
		out = append(out, wv)
	}
	return out, nil
}

// idsBefore lists the ids under prefix (prefix ‖ id keys) below before (0:
// from the newest), newest first, at most limit.
func idsBefore(r store.Reader, prefix []byte, before uint64, limit int) []uint64 {
	end := store.PrefixEnd(prefix)
	if before > 0 {
		end = state.Key(prefix, state.U64(before))
	}
	var ids []uint64
	r.Iterate(prefix, end, true, func(k, _ []byte) bool {
		if id, ok := state.ReadU64(k[len(prefix):]); ok {
			ids = append(ids, id)
		}
		return len(ids) < limit
	})
	return ids
}

// GetSlash returns slash id.
func GetSlash(r store.Reader, id uint64) (Slash, bool, error) {
	return loadRecord[Slash](r, slashKey(id))
}

// Slashes lists slashes newest first with id < before (0: from the newest),
// at most limit; with op set, only that operator's.
func Slashes(r store.Reader, op account.Address, before uint64, limit int) ([]Slash, error) {
	prefix := prefixSlash
	if !op.IsZero() {
		prefix = state.Key(prefixSlashByOp, op[:])
	}
	ids := idsBefore(r, prefix, before, limit)
	out := make([]Slash, 0, len(ids))
	for _, id := range ids {
		s, _, err := GetSlash(r, id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// StakeEntry is one operator's allocated stake to a service in one asset at a height.
type StakeEntry struct {
	Operator  account.Address `json:"operator"`
	Asset     string          `json:"asset"`
	Magnitude num.Dec         `json:"magnitude"`
	Amount    num.Int         `json:"amount"` // asset base units
	Value     num.Int         `json:"value"`  // native units, at the asset value recorded by then
}

// ServiceStake is a service's operator set and allocated stake at a height.
type ServiceStake struct {
	Service   string            `json:"service"`
	Height    int64             `json:"height"`
	Operators []account.Address `json:"operators"` // opted in at the end of that block
	Stake     []StakeEntry      `json:"stake"`
	Total     num.Int           `json:"total"` // Σ value
}

// ServiceStakeAt reads the stake history: the operators opted in to svc at
// the end of block h and, for every member and asset, the stake slashable
// by svc then. Cost: O(members × assets) reverse seeks, each O(log n).
func ServiceStakeAt(r store.Reader, svc string, h int64) (ServiceStake, error) {
	out := ServiceStake{Service: svc, Height: h}
	s, found, err := loadRecord[Service](r, serviceKey(svc))
	if err != nil || !found {
		if err == nil {
			err = state.Reject("unknown-service", "no service named %q", svc)
		}
		return out, err
	}
	members := membersOf(r, svc)
	for _, op := range members {
		if memberAt(r, svc, op, h) {
			out.Operators = append(out.Operators, op)
		}
		if err := addStakeAt(r, &out, s, op, h); err != nil {
			return out, err
		}
	}
	return out, nil
}

func addStakeAt(r store.Reader, out *ServiceStake, s Service, op account.Address, h int64) error {
	for _, d := range s.Assets {
		e, ok, err := StakeAt(r, s.Name, op, d, h)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		out.Stake = append(out.Stake, e)
		if out.Total, err = out.Total.Add(e.Value); err != nil {
			return err
		}
	}
	return nil
}

// StakeAt is op's stake in asset slashable by svc at the end of block h:
// two reverse seeks (vault and allocation checkpoints) and one for the
// asset's value. ok is false when nothing was allocated.
func StakeAt(r store.Reader, svc string, op account.Address, asset string, h int64) (StakeEntry, bool, error) {
	e := StakeEntry{Operator: op, Asset: asset}
	mag, err := allocMagAt(r, svc, op, asset, h)
	if err != nil || mag.IsZero() {
		return e, false, err
	}
	pt, found, err := vaultAt(r, op, asset, h)
	if err != nil || !found {
		return e, false, err
	}
	a, err := loadAsset(r, asset)
	if err != nil {
		return e, false, err
	}
	vv := vaultView{op: op, asset: a, v: Vault{MaxMag: pt.MaxMag, Scaled: pt.Scaled, Units: pt.Units}, tokens: pt.Tokens}
	e.Magnitude = minDec(mag, pt.MaxMag)
	u, err := vv.allocatedUnits(mag)
	if err != nil {
		return e, false, err
	}
	if e.Amount, err = vv.toTokens(u); err != nil {
		return e, false, err
	}
	val, err := valueAt(r, a, h)
	if err != nil {
		return e, false, err
	}
	e.Value, err = val.MulIntDown(e.Amount) // rounding: down
	return e, true, err
}

// VaultMagnitude is (op, asset)'s maxMagnitude now (1 before any slash).
func VaultMagnitude(r store.Reader, op account.Address, asset string) (num.Dec, error) {
	vv, err := vaultOf(r, op, asset)
	return vv.v.MaxMag, err
}

// rawPosition is a stored position with its key parts.
type rawPosition struct {
	staker account.Address // set where positions of several stakers are listed
	op     account.Address
	asset  string
	pos    Position
}

// rawPositions reads staker's positions (at most MaxPositionsPerStaker).
func rawPositions(r store.Reader, staker account.Address) ([]rawPosition, error) {
	prefix := positionPrefix(staker)
	list := make([]rawPosition, 0, 16) // most stakers hold few positions: one allocation
	var err error
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		var x rawPosition
		var rest []byte
		if x.op, rest, err = addrPart(k, k[len(prefix):]); err != nil {
			return false
		}
		x.asset = string(rest)
		if err = state.Decode(k, v, &x.pos); err != nil {
			return false
		}
		list = append(list, x)
		return len(list) < MaxPositionsPerStaker
	})
	return list, err
}
