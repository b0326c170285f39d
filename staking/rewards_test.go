package staking

import (
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/tx"
)

// rewardEnv: validator v (operator = delegator A, 3000 self) with 10%
// commission and delegator B (1000): shares 3:1, bonded after one block.
func rewardEnv(t *testing.T) (*env, func(), func(fee string)) {
	e := newEnv(t, testParams())
	op := e.createValidator("v", 3000, "0.1")
	e.fund(addr("b"), "1000stake")
	e.delegate(addr("b"), op, 1000)
	e.next(5, BlockInfo{}) // v bonded from here
	reward := func(fee string) {
		e.fund(auth.FeeCollector, fee)
		e.next(5, BlockInfo{}) // this BeginBlock pays the fees out
	}
	return e, func() { e.next(5, BlockInfo{}) }, reward
}

func TestRewardSplitWithCommission(t *testing.T) {
	e, _, reward := rewardEnv(t)
	op, b := addr("v"), addr("b")
	reward("1000stake")
	rw, _ := loadReward(e.kv, op)
	eqInt(t, "commission", rw.Owed, n(100))
	d, _, _ := loadDelegation(e.kv, op, op)
	lh, _ := loadLotHead(e.kv, op)
	selfReward, _ := pendingReward(lh, d, rw.Acc)
	eqInt(t, "A (3 parts) reward", selfReward, n(675))
	eqInt(t, "B (1 part) reward", e.pending(b), n(225))
	eqInt(t, "A pending incl. commission", e.pending(op), n(775))
	eqInt(t, "dust", mustAmount(t, e, keyDust), n(0))
	// Claiming pays exactly once.
	got, err := ClaimRewards(e.ctx(), e.p, b)
	if err != nil || !got.AmountOf("stake").Eq(n(225)) {
		t.Fatalf("claim = %v, %v", got, err)
	}
	eqInt(t, "B balance", e.balance(b), n(225))
	eqInt(t, "B pending after claim", e.pending(b), n(0))
	e.next(5, BlockInfo{})
}

func TestRewardRoundingGoesToDust(t *testing.T) {
	e, _, reward := rewardEnv(t)
	reward("7stake") // commission floor(0.7)=0; 7 over 4000 shares: 1.75 each part
	eqInt(t, "B reward", e.pending(addr("b")), n(1))
	eqInt(t, "A reward", e.pending(addr("v")), n(5))
	// The remainder is not lost: dust + pool cover it (invariant checked each block).
	dust := mustAmount(t, e, keyDust)
	if dust.GT(n(1)) {
		t.Fatalf("dust = %s", dust)
	}
}

func TestLateDelegatorEarnsOnlyFromThen(t *testing.T) {
	e, _, reward := rewardEnv(t)
	reward("1000stake")
	c := addr("c")
	e.fund(c, "4000stake")
	e.delegate(c, addr("v"), 4000) // shares now 8000
	reward("1000stake")
	eqInt(t, "C reward", e.pending(c), n(450))         // 900 × 4000/8000
	eqInt(t, "B reward", e.pending(addr("b")), n(337)) // 225 + floor(112.5)
}

func TestDelegationChangeSettlesRewards(t *testing.T) {
	e, _, reward := rewardEnv(t)
	b := addr("b")
	reward("1000stake")
	e.undelegate(b, addr("v"), 400) // auto-claims the 225 first
	eqInt(t, "B paid on undelegate", e.balance(b), n(225))
	eqInt(t, "B pending", e.pending(b), n(0))
	reward("1000stake") // B now holds 600 of 3600 shares
	eqInt(t, "B reward after", e.pending(b), n(150))
}

func TestRewardsAfterSlash(t *testing.T) {
	e, _, reward := rewardEnv(t)
	op, b := addr("v"), addr("b")
	reward("1000stake")
	e.setParams(func(p *params.Params) { p.DowntimeSlashFraction = num.MustDec("0.5") })
	if err := SlashDowntime(e.ctx(), e.p, op); err != nil {
		t.Fatal(err)
	}
	eqInt(t, "tokens halved", e.validator(op).Tokens, n(2000))
	eqInt(t, "B keeps earned rewards", e.pending(b), n(225))
	eqInt(t, "B stake halved", e.tokensOf(b, op), n(500))
	// Unjail and earn again: shares unchanged, so the split is still 3:1.
	e.time_s += int64(e.p.DowntimeJail_s)
	e.next(5, BlockInfo{})
	if err := unjailFor(e, op); err != nil {
		t.Fatal(err)
	}
	e.next(5, BlockInfo{})
	reward("1000stake")
	eqInt(t, "B after slash", e.pending(b), n(450))
}

func TestNoActiveSetKeepsRewardsAsDust(t *testing.T) {
	e := newEnv(t, testParams())
	e.fund(auth.FeeCollector, "500stake")
	e.next(5, BlockInfo{})
	eqInt(t, "dust", mustAmount(t, e, keyDust), n(500))
	op := e.createValidator("v", 100, "0")
	e.next(5, BlockInfo{}) // v becomes active at this EndBlock and gets the dust in the next BeginBlock
	eqInt(t, "dust paid out", mustAmount(t, e, keyDust), n(0))
	eqInt(t, "v pending", e.pending(op), n(500))
}

func TestInflation(t *testing.T) {
	p := testParams()
	p.Inflation = num.MustDec("0.07")
	e := newEnv(t, p)
	e.createValidator("v", 31_536_000, "0")
	e.next(5, BlockInfo{})
	before := e.supply()
	e.next(10, BlockInfo{}) // 0.07 × 31536000 × 10 / 31536000 = 0.7 → 0
	eqInt(t, "minted over 10s", e.supply(), before)
	e.next(100, BlockInfo{}) // 7
	eqInt(t, "minted over 100s", e.supply(), n(31_536_007))
	e.next(10*86400, BlockInfo{}) // capped at one day: floor(0.07 × 31536007 × 86400 / 31536000)
	eqInt(t, "minted over a stalled day", e.supply(), n(31_536_007+6048))
	// Nothing at the first block or when time does not advance.
	m, _ := inflationAmount(n(1000), p.Inflation, 0)
	eqInt(t, "dt=0", m, n(0))
	e.end()
	e.height++
	e.begin(BlockInfo{PrevTime_s: 0})
	eqInt(t, "prev time 0", e.supply(), n(31_536_007+6048))
}

func unjailFor(e *env, op account.Address) error {
	return HandleUnjail(e.ctx(), e.p, op, &tx.MsgUnjail{Validator: op.String()})
}

func mustAmount(t *testing.T, e *env, key []byte) num.Int {
	t.Helper()
	v, err := state.LoadAmount(e.kv, key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
