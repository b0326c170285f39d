package chain

import (
	"bytes"
	"fmt"
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

// valReads counts what a liquid message reads of staking's validator records.
type valReads struct {
	store.KV
	ops   map[account.Address]bool // validator records read by key (lookup only)
	scans int                      // iterations over the validator records
}

var valPrefix = []byte("staking/val/")

func (v *valReads) Get(k []byte) ([]byte, bool) {
	if bytes.HasPrefix(k, valPrefix) && len(k) == len(valPrefix)+20 {
		var op account.Address
		copy(op[:], k[len(valPrefix):])
		v.ops[op] = true
	}
	return v.KV.Get(k)
}

func (v *valReads) Iterate(start, end []byte, reverse bool, fn func(k, val []byte) bool) {
	if bytes.HasPrefix(start, valPrefix) || (bytes.Compare(start, valPrefix) < 0 && (end == nil || bytes.Compare(end, valPrefix) > 0)) {
		v.scans++
	}
	v.KV.Iterate(start, end, reverse, fn)
}

// Liquid messages read the stored active set, never every validator
// record: 60 validators outside the set (cheap to create) are not touched.
func TestLiquidReadsOnlyTheActiveSet(t *testing.T) {
	g := testGenesis(func(p *params.Params) { p.MaxValidators = 3; p.UnbondingPeriod_s = 86400 })
	active := map[account.Address]bool{addrOf(validatorLabel): true}
	for i := 0; i < 62; i++ {
		l := fmt.Sprintf("v%02d", i)
		self := uint64(1000)
		if i < 2 {
			self, active[addrOf(l)] = 500_000, true
		}
		g.Accounts = append(g.Accounts, GenesisAccount{Address: addrOf(l), Coins: "1000000stake"})
		g.Validators = append(g.Validators, GenesisValidator{Operator: addrOf(l), ConsPubKey: consPub(l),
			SelfDelegation: num.NewInt(self), Commission: num.MustDec("0.1"), Moniker: l})
	}
	h := newHarness(t, store.NewMemBase(), g)
	h.next()
	for _, op := range []func(ctx state.Ctx, p params.Params) error{
		func(ctx state.Ctx, p params.Params) error {
			_, err := liquid.Stake(ctx, p, addrOf("alice"), num.NewInt(300_000))
			return err
		},
		func(ctx state.Ctx, p params.Params) error {
			_, err := liquid.Unstake(ctx, p, addrOf("alice"), num.NewInt(100_000))
			return err
		},
	} {
		reads := &valReads{KV: h.c.block, ops: map[account.Address]bool{}}
		var evs []state.Event
		if err := op(state.NewCtx(reads, h.c.Height()+1, h.time, testChainID, &evs), h.c.params); err != nil {
			t.Fatal(err)
		}
		if reads.scans != 0 {
			t.Fatalf("%d scans of the validator records", reads.scans)
		}
		for a := range reads.ops {
			if !active[a] {
				t.Fatalf("read validator %s, which is not in the active set", a)
			}
		}
	}
	if got := h.poolOn("v02"); !got.IsZero() {
		t.Fatalf("pool delegated %s to a validator outside the set", got)
	}
	h.next()
}

// A member of the stored set jailed earlier in the block (the set is only
// recomputed at EndBlock) receives no new pool stake.
func TestLiquidSkipsValidatorJailedThisBlock(t *testing.T) {
	h := threeValidators(t)
	h.next()
	if err := h.c.Inject(func(ctx state.Ctx, p params.Params) error {
		return staking.SlashDowntime(ctx, p, addrOf("carol"))
	}); err != nil {
		t.Fatal(err)
	}
	mustOK(t, h.lstake("alice", "3000stake"))
	if got := h.poolOn("carol"); !got.IsZero() {
		t.Fatalf("pool delegated %s to a jailed validator", got)
	}
	if got := add(t, h.poolOn(validatorLabel), h.poolOn("dave")); !got.Eq(num.NewInt(3000)) {
		t.Fatalf("pool delegated %s of 3000 to the others", got)
	}
	h.next()
}

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
