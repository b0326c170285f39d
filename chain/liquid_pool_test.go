package chain

import (
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// poolUndelegated reports whether the block's events hold an undelegation by the pool.
func poolUndelegated(res BlockResult) bool {
	for _, e := range res.Events {
		if e.Type != "undelegate" {
			continue
		}
		for _, a := range e.Attrs {
			if a.Key == "delegator" && a.Value == liquid.Pool.String() {
				return true
			}
		}
	}
	return false
}

// When a due claim's unbonding was slashed harder than the pool as a
// whole, EndBlock undelegates the shortfall. That undelegation settles
// the pool's pending rewards into its balance: lst_fee must still be
// taken on them.
func TestLiquidShortfallUndelegationPaysFee(t *testing.T) {
	// Due at midday: no daily compounding in the block that pays.
	h := threeValidatorsWith(t, func(p *params.Params) { p.UnbondingPeriod_s = 86400 + 43200 })
	mustOK(t, h.lstake("alice", "600000stake"))
	h.next()
	height := h.c.Height() + 1
	r := h.lunstake("alice", "200000ststake")
	mustOK(t, r)
	var from account.Address
	for _, e := range r.Events {
		for _, a := range e.Attrs {
			if e.Type == "undelegate" && a.Key == "validator" {
				from, _ = account.Parse(a.Value)
			}
		}
	}
	h.next()
	// The validator the claim unbonds from double-signed when it was opened:
	// its entry loses 5%, the pool as a whole less.
	if err := h.c.Inject(func(ctx state.Ctx, p params.Params) error {
		return staking.SlashDoubleSign(ctx, p, from, height)
	}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := 0; i < 100 && !h.claim(1).Paid; i++ {
		h.time += 3600
		pending, _ := staking.PendingRewards(h.c.BlockState(), liquid.Pool)
		p := pending.AmountOf("stake")
		fees := h.bal(liquid.FeeAccount, "stake")
		res := h.next()
		if !poolUndelegated(res) {
			continue
		}
		want, _ := num.MustDec("0.1").MulIntDown(p) // rounding: down, as the pool pays it
		after := balanceAt(t, h.c.Committed(), liquid.FeeAccount)
		if got, _ := after.Sub(fees); !got.Eq(want) || p.IsZero() {
			t.Fatalf("EndBlock undelegation with %s pending paid fee %s, want %s", p, got, want)
		}
		checked++
	}
	if checked == 0 || !h.claim(1).Paid {
		t.Fatalf("no shortfall undelegation seen (%d), claim %+v", checked, h.claim(1))
	}
}

func balanceAt(t *testing.T, r store.Reader, a account.Address) num.Int {
	t.Helper()
	b, err := bank.Balance(r, a, "stake")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
