package liquid

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
)

// Burn destroys st ststake held by `from` together with the stake backing
// it, and returns the backing destroyed. Restaking calls it for slashes of
// ststake whose destination is burn: SPEC §6.2 has burned funds leave the
// supply. The pool's count of ststake must fall with the bank's (it prices
// every conversion), and the backing must go too, or the remaining holders
// would gain what the slashed ones lost; so r is unchanged, except that
// backing held in unbonding entries or pending rewards (which cannot be
// destroyed at once) stays with the remaining holders.
//
// The backing is st × r at the redemption rate (rounding: down, as for an
// unstake: the dust stays with the holders). It is taken from idle stake
// not reserved for claims, then from the pool's largest delegations at
// once (staking.Seize: no unbonding). Backing held in unbonding entries or
// pending rewards cannot be destroyed at once and stays in the pool.
func Burn(ctx state.Ctx, p params.Params, from account.Address, st num.Int) (num.Int, error) {
	if err := bank.CheckFunds(ctx.KV, from, Denom, st); err != nil {
		return num.Int{}, err
	}
	if _, err := harvest(ctx, p); err != nil { // seizing settles rewards: take lst_fee first
		return num.Int{}, err
	}
	b, err := loadBooks(ctx.KV, p)
	if err != nil {
		return num.Int{}, err
	}
	backing, err := valueOf(st, b)
	if err != nil {
		return num.Int{}, err
	}
	if err := burnTokens(ctx, from, st); err != nil {
		return num.Int{}, err
	}
	left, err := destroyBacking(ctx, p, b, backing)
	if err != nil {
		return num.Int{}, err
	}
	done, _ := backing.Sub(left) // left ≤ backing
	ctx.Emit("liquid_burn", "from", from.String(), "burned", coin.New(Denom, st).String(),
		"backing", coin.New(p.NativeDenom, done).String())
	return done, nil
}

// burnTokens burns st ststake of from and lowers the pool's count with it.
func burnTokens(ctx state.Ctx, from account.Address, st num.Int) error {
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return err
	}
	if err := bank.Burn(ctx.KV, from, Denom, st); err != nil {
		return err
	}
	ps.Supply = ps.Supply.SubSat(st) // st ≤ the holder's balance ≤ supply
	savePool(ctx.KV, ps)
	return nil
}

// destroyBacking burns amount of the pool's stake: free idle stake first,
// then seized from the delegations holding the most (ties: lowest address;
// bounded by the validators the pool uses). It returns what it could not
// reach at once.
func destroyBacking(ctx state.Ctx, p params.Params, b Books, amount num.Int) (num.Int, error) {
	idle := amount.Min(free(b))
	if err := bank.Burn(ctx.KV, Pool, p.NativeDenom, idle); err != nil {
		return amount, err
	}
	rest := amount.SubSat(idle)
	ts := largestFirst(b)
	for _, t := range ts {
		if rest.IsZero() {
			break
		}
		got, err := staking.Seize(ctx, p, Pool, t.op, rest.Min(t.stake), account.Address{})
		if err != nil {
			return rest, err
		}
		rest = rest.SubSat(got)
	}
	return rest, nil
}
