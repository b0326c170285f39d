package staking

import (
	"github.com/restaked/restaked/num"
)

// Pure arithmetic helpers. Each names its rounding direction.

// rewardScale is the fixed-point scale of reward-per-share accumulators.
var rewardScale = num.MustInt("1000000000000000000000000000") // 1e27

// wadSquared is the denominator of a WAD fraction of a WAD-scaled sum.
var wadSquared = num.MustInt("1000000000000000000000000000000000000") // 1e36

// sharesForDeposit is the number of shares minted for amount tokens.
func sharesForDeposit(amount, tokens, shares num.Int) (num.Int, error) {
	if shares.IsZero() {
		return amount, nil // first delegation: 1 share = 1 token
	}
	// rounding: down — the new delegator gets fewer shares, existing holders are never diluted.
	return amount.MulDivDown(shares, tokens)
}

// sharesForWithdraw is the number of shares burned to take amount tokens out.
func sharesForWithdraw(amount, tokens, shares num.Int) (num.Int, error) {
	// rounding: up — the leaving delegator burns more shares, those who stay never lose.
	return amount.MulDivUp(shares, tokens)
}

// tokensOfShares is what s of shares is worth when the validator holds tokens.
func tokensOfShares(s, tokens, shares num.Int) num.Int {
	if shares.IsZero() {
		return num.Int{}
	}
	// rounding: down — a delegation is never worth more than its exact part.
	v, err := s.MulDivDown(tokens, shares)
	if err != nil {
		return num.Int{} // unreachable: s ≤ shares, so the result ≤ tokens
	}
	return v
}

// pendingOf is the reward earned by s shares since the accumulator was snap.
func pendingOf(s, acc, snap num.Int) (num.Int, error) {
	// rounding: down — rewards paid out.
	return s.MulDivDown(acc.SubSat(snap), rewardScale)
}

// inflationAmount is the inflation minted over dt_s seconds (capped at a day).
func inflationAmount(supply num.Int, rate num.Dec, dt_s int64) (num.Int, error) {
	if dt_s <= 0 {
		return num.Int{}, nil
	}
	if dt_s > maxInflationDt_s {
		dt_s = maxInflationDt_s
	}
	numer, err := rate.Raw().Mul(num.NewInt(uint64(dt_s)))
	if err != nil {
		return num.Int{}, err
	}
	denom, err := num.WAD().Mul(num.NewInt(secondsPerYear))
	if err != nil {
		return num.Int{}, err
	}
	// rounding: down — minted rewards.
	return supply.MulDivDown(numer, denom)
}

// splitReward splits a validator's block reward into commission and the
// delegators' part.
func splitReward(reward num.Int, rate num.Dec) (commission, rest num.Int, err error) {
	if rate.GT(num.OneDec()) {
		rate = num.OneDec()
	}
	// rounding: down — commission credited to the operator.
	commission, err = rate.MulIntDown(reward)
	if err != nil {
		return
	}
	rest, err = reward.Sub(commission)
	return
}

// accIncrement is how much rest raises the reward-per-share accumulator of a
// validator with shares, and how much of rest that reserves for delegators.
func accIncrement(rest, shares num.Int) (inc, reserved num.Int, err error) {
	// rounding: down — credited per share; the leftover goes back to dust.
	if inc, err = rest.MulDivDown(rewardScale, shares); err != nil {
		return
	}
	// rounding: up — the most delegators can ever claim from inc (≤ rest).
	reserved, err = inc.MulDivUp(shares, rewardScale)
	return
}

// absDiffDec is |a − b|.
func absDiffDec(a, b num.Dec) num.Dec {
	if a.GTE(b) {
		d, _ := a.Sub(b)
		return d
	}
	d, _ := b.Sub(a)
	return d
}

// clampPowers converts raw powers (tokens / power reduction) to CometBFT
// powers. If their sum exceeds 2^60−1, every power is scaled by
// limit/sum (rounding: down, but at least 1 so no member is silenced) where
// limit = 2^60−1−n, so the total stays ≤ 2^60−1 even with the +1 floor.
func clampPowers(raw []num.Int) []int64 {
	out := make([]int64, len(raw))
	var sum num.Int
	for _, r := range raw {
		sum, _ = sum.Add(r) // Σ tokens ≤ BondedPool balance < 2^256
	}
	limit := num.NewInt(uint64(maxTotalPower) - uint64(len(raw)))
	if sum.LTE(limit) {
		for i, r := range raw {
			v, _ := r.Uint64()
			out[i] = int64(v)
		}
		return out
	}
	for i, r := range raw {
		// rounding: down — scaled power.
		s, _ := r.MulDivDown(limit, sum)
		v, _ := s.Uint64()
		out[i] = max(int64(v), 1)
	}
	return out
}

// tooManyMissed reports missed > (1 − minSigned)·window, exactly.
func tooManyMissed(missed, window uint64, minSigned num.Dec) bool {
	lhs, err := num.NewInt(missed).Mul(num.WAD())
	if err != nil {
		return false
	}
	allowed, err := num.WAD().Sub(minSigned.Raw())
	if err != nil {
		return false // min_signed > 1: never reachable after params validation
	}
	rhs, err := allowed.Mul(num.NewInt(window))
	return err == nil && lhs.GT(rhs)
}
