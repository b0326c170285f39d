package restaking

import (
	"math/big"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// The yield view (SPEC §7): each stream of an account with its recent
// annual rate in native-unit terms, from actual accrual — the service
// accumulators' and the validators' samples, one to two sampling windows
// back (yieldWindowBlocks, staking.YieldWindowBlocks). A view: rationals,
// rendered as decimals rounded down; nothing here reaches state.

// Stream kinds.
const (
	StreamPrimary = "primary" // a delegation's staking rewards
	StreamNative  = "native"  // staking rewards of natively restaked stake (pass-through)
	StreamService = "service" // a service's reward program stream
)

// StreamYield is one stream of an account with its recent yield.
type StreamYield struct {
	Kind     string          `json:"kind"`
	Service  string          `json:"service,omitempty"`
	Operator account.Address `json:"operator"` // validator for primary streams
	Asset    string          `json:"asset"`
	Denom    string          `json:"denom"`           // what the stream pays in
	Stake    num.Int         `json:"stake"`           // native-unit value of the stake earning it
	APR      *num.Dec        `json:"apr"`             // per year, native units per native unit; null: not known yet or the denom has no native value
	Income   *num.Int        `json:"income_per_year"` // Stake × APR in native units (rounding: down)
}

// AccountYield is an account's streams and their stake-weighted total.
type AccountYield struct {
	Streams []StreamYield `json:"streams"`
	Stake   num.Int       `json:"stake"` // native-unit value of its delegations and positions
	APR     *num.Dec      `json:"apr"`   // Σ income / stake; null until some stream's rate is known
}

// Yields is acct's yield view at now_s.
func Yields(r store.Reader, acct account.Address, now_s int64) (AccountYield, error) {
	var out AccountYield
	p, err := params.Load(r)
	if err != nil {
		return out, err
	}
	if err := primaryYields(r, p, acct, now_s, &out); err != nil {
		return out, err
	}
	list, err := rawPositions(r, acct)
	if err != nil {
		return out, err
	}
	for _, x := range list {
		if err := positionYields(r, p, x, now_s, &out); err != nil {
			return out, err
		}
	}
	if anyKnown(out.Streams) { // otherwise the account's rate is not known yet, not 0
		out.APR = ratio(sumIncome(out.Streams), out.Stake)
	}
	return out, nil
}

func primaryYields(r store.Reader, p params.Params, acct account.Address, now_s int64, out *AccountYield) error {
	dels, err := staking.DelegationsOf(r, acct)
	if err != nil {
		return err
	}
	for _, d := range dels {
		apr, ok, err := staking.RecentYield(r, d.Validator, now_s)
		if err != nil {
			return err
		}
		out.add(StreamYield{Kind: StreamPrimary, Operator: d.Validator, Asset: p.NativeDenom, Denom: p.NativeDenom, Stake: d.Tokens}, apr, ok, true)
	}
	return nil
}

// positionYields adds a position's streams: the native pass-through for
// native positions, then one per (service, denom) stream of its vault.
func positionYields(r store.Reader, p params.Params, x rawPosition, now_s int64, out *AccountYield) error {
	vv, err := vaultOf(r, x.op, x.asset)
	if err != nil {
		return err
	}
	a := vv.asset
	amount, err := vv.withdrawable(x.pos.Scaled)
	if err != nil {
		return err
	}
	stake, err := nativeValue(r, a, amount)
	if err != nil {
		return err
	}
	out.Stake, _ = out.Stake.Add(stake)
	if a.Kind == KindNative {
		apr, ok, err := staking.RecentYield(r, x.op, now_s)
		if err != nil {
			return err
		}
		out.add(StreamYield{Kind: StreamNative, Operator: x.op, Asset: a.Denom, Denom: p.NativeDenom, Stake: stake}, apr, ok, false)
	}
	svcs, err := weightedServices(r, vv)
	if err != nil {
		return err
	}
	for _, svc := range svcs {
		denoms, err := streamDenoms(r, svc)
		if err != nil {
			return err
		}
		for _, d := range denoms {
			apr, ok, err := serviceYield(r, vv, svc, d, now_s)
			if err != nil {
				return err
			}
			out.add(StreamYield{Kind: StreamService, Service: svc, Operator: x.op, Asset: a.Denom, Denom: d, Stake: stake}, apr, ok, false)
		}
	}
	return nil
}

// serviceYield is a position's recent yield from one service stream per
// native unit of its stake: the service accumulator's rise per unit of
// weight over the sampled span, × (1 − commission) × the vault's weight
// in the service per unit of its active stake, × the reward denom's value
// / the asset's value, annualised.
func serviceYield(r store.Reader, vv vaultView, svc, denom string, now_s int64) (*big.Rat, bool, error) {
	var sa serviceAcc
	found, err := state.Load(r, serviceAccKey(svc, vv.asset.Denom, denom), &sa)
	if err != nil || !found || now_s <= sa.T0 {
		return nil, false, err
	}
	rewardValue, ok, err := denomValue(r, denom)
	if err != nil || !ok {
		return nil, false, err
	}
	w, err := state.LoadAmount(r, weightKey(vv.op, vv.asset.Denom, svc))
	if err != nil {
		return nil, false, err
	}
	active, err := vv.toTokens(vv.active())
	if err != nil || active.IsZero() {
		return new(big.Rat), err == nil, err
	}
	assetValue, err := AssetValue(r, vv.asset)
	if err != nil || assetValue.IsZero() {
		return nil, false, err
	}
	rate, err := commissionInForce(r, vv.op, svc)
	if err != nil {
		return nil, false, err
	}
	y := new(big.Rat).SetFrac(new(big.Int).Sub(sa.Acc.Big(), sa.Acc0.Big()), rewards.Scale.Big())
	y.Mul(y, new(big.Rat).Sub(big.NewRat(1, 1), rate.Rat()))
	y.Mul(y, new(big.Rat).SetFrac(w.Big(), active.Big()))
	y.Mul(y, new(big.Rat).Quo(rewardValue, assetValue.Rat()))
	y.Mul(y, new(big.Rat).SetFrac64(secondsPerYear, now_s-sa.T0))
	return y, true, nil
}

const secondsPerYear = 31_536_000

// denomValue is a reward denom's value in native units, known for
// registered assets only.
func denomValue(r store.Reader, denom string) (*big.Rat, bool, error) {
	a, found, err := loadRecord[Asset](r, assetKey(denom))
	if err != nil || !found {
		return nil, false, err
	}
	v, err := AssetValue(r, a)
	if err != nil {
		return nil, false, err
	}
	return v.Rat(), true, nil
}

// add appends a stream with its APR (when known) and income; primary
// stake counts toward the account's stake here, positions' in positionYields.
func (a *AccountYield) add(s StreamYield, apr *big.Rat, ok, countStake bool) {
	if countStake {
		a.Stake, _ = a.Stake.Add(s.Stake)
	}
	if ok && apr != nil {
		s.APR = ratDec(apr)
		income := new(big.Rat).Mul(apr, new(big.Rat).SetInt(s.Stake.Big()))
		if v, err := num.FromBig(new(big.Int).Quo(income.Num(), income.Denom())); err == nil { // rounding: down
			s.Income = &v
		}
	}
	a.Streams = append(a.Streams, s)
}

func anyKnown(ss []StreamYield) bool {
	for _, s := range ss {
		if s.APR != nil {
			return true
		}
	}
	return false
}

func sumIncome(ss []StreamYield) *big.Int {
	t := new(big.Int)
	for _, s := range ss {
		if s.Income != nil {
			t.Add(t, s.Income.Big())
		}
	}
	return t
}

func ratio(income *big.Int, stake num.Int) *num.Dec {
	if stake.IsZero() {
		return nil
	}
	return ratDec(new(big.Rat).SetFrac(income, stake.Big()))
}

// ratDec renders a rate for display (num.DecFromRat, rounding: down); nil
// when it does not fit.
func ratDec(x *big.Rat) *num.Dec {
	d, err := num.DecFromRat(x)
	if err != nil {
		return nil
	}
	return &d
}
