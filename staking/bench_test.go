package staking

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

func benchAddr(i int) account.Address {
	var a account.Address
	a[0] = 0xde
	binary.BigEndian.PutUint64(a[12:], uint64(i))
	return a
}

// slashFixture writes a validator with `delegators` delegations of 1000,
// `entries` unbonding entries of 100 spread over heights 1..100 and a token
// checkpoint at every height 0..100, through the internal record functions
// (the message path would dominate setup).
func slashFixture(b *testing.B, delegators, entries int) (state.Ctx, params.Params, Validator) {
	p := testParams()
	kv := store.NewMem()
	if err := params.Store(kv, p); err != nil {
		b.Fatal(err)
	}
	op := benchAddr(1 << 40)
	v := Validator{Operator: op, ConsPubKey: consPub("bench"), Commission: num.ZeroDec(), Status: StatusUnbonded}
	for i := 0; i < delegators; i++ {
		state.Put(kv, delegationKey(benchAddr(i), op), delegation{Shares: n(1000)})
	}
	total := n(uint64(delegators) * 1000)
	v.Tokens, v.DelegatorShares = total, total
	mustNil(b, saveValidator(kv, &v))
	mustNil(b, bank.Mint(kv, BondedPool, "stake", total))
	mustNil(b, bank.Mint(kv, UnbondingPool, "stake", n(uint64(entries)*100)))
	for h := int64(0); h <= 100; h++ {
		c := checkpoint{height: h, tokens: total, unbonded: n(uint64(h) * uint64(entries)), time_s: genesisTime_s + h*5}
		kv.Set(tokenHistKey(op, h), encodeCheckpoint(c)) // entries are spread evenly over heights 1..100
	}
	ctx := state.NewCtx(kv, 1, genesisTime_s, "bench", nil)
	for i := 0; i < entries; i++ {
		ctx.Height = int64(1 + i*100/entries)
		ctx.Time_s = genesisTime_s + ctx.Height*5
		h, err := loadHead(kv, op)
		mustNil(b, err)
		_, err = addUnbonding(ctx, p, h, benchAddr(i%delegators), op, n(100))
		mustNil(b, err)
	}
	ctx.Height, ctx.Time_s = 200, genesisTime_s+1000
	return ctx, p, v
}

func mustNil(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSlash: cost must not depend on the number of delegators (shares)
// nor on the number of unbonding entries (lazy segments).
func BenchmarkSlash(b *testing.B) {
	for _, delegators := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("delegators=%d/entries=10000", delegators), func(b *testing.B) {
			ctx, p, v := slashFixture(b, delegators, 10_000)
			f := num.MustDec("0.01")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Infraction mid-way through the entries: half are slashed each time.
				if err := slash(ctx, p, &v, f, 50, "bench"); err != nil {
					b.Fatal(err)
				}
				mustNil(b, saveValidator(ctx.KV, &v))
			}
		})
	}
}

// BenchmarkSlashSparingLots: half of the delegators arrived after the
// infraction (one lot each, in the lot tree); every iteration slashes a
// fresh overlay of the same state, so each one takes the exempting path.
func BenchmarkSlashSparingLots(b *testing.B) {
	for _, delegators := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("delegators=%d/entries=10000", delegators), func(b *testing.B) {
			ctx, p, v := slashFixture(b, delegators, 10_000)
			addLateLots(b, ctx, v, delegators)
			v, _ = mustValidatorB(b, ctx, v.Operator)
			f := num.MustDec("0.01")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ov := store.NewOverlay(ctx.KV)
				w := v
				if err := slash(ctx.WithKV(ov, nil), p, &w, f, 50, "bench"); err != nil {
					b.Fatal(err)
				}
				mustNil(b, saveValidator(ov, &w))
				if i == 0 {
					if h, err := loadLotHead(ov, v.Operator); err != nil || len(h.Events) != 1 {
						b.Fatalf("slash did not spare the late lots: %+v %v", h, err)
					}
				}
			}
			b.StopTimer()
			h, err := loadLotHead(ctx.KV, v.Operator)
			mustNil(b, err)
			if h.NextLot != uint64(delegators/2) || len(h.Events) != 0 {
				b.Fatalf("fixture: %+v", h)
			}
		})
	}
}

// addLateLots turns the delegations of the second half of the delegators
// into lots created at heights 51..100 (after the benchmark's infraction at
// 50) and rewrites the token checkpoints' lot counts to match.
func addLateLots(b *testing.B, ctx state.Ctx, v Validator, delegators int) {
	op, half := v.Operator, delegators/2
	var h lotHead
	for i := half; i < delegators; i++ {
		height := int64(51 + (i-half)*50/(delegators-half))
		l := lot{Index: h.NextLot, Height: height, Time_s: genesisTime_s + height*5, Raw: n(1000)}
		mustNil(b, treeAppend(ctx.KV, op, l.Index, l.Raw))
		h.NextLot++
		state.Put(ctx.KV, delegationKey(benchAddr(i), op), &delegation{Lots: []lot{l}})
	}
	saveLotHead(ctx.KV, op, h)
	for hh := int64(0); hh <= 100; hh++ {
		c, found, err := lastCheckpoint(ctx.KV, op, hh)
		mustNil(b, err)
		if !found {
			continue
		}
		c.nextLot = 0
		if hh > 50 {
			c.nextLot = uint64((hh - 50) * int64(delegators-half) / 50)
		}
		ctx.KV.Set(tokenHistKey(op, hh), encodeCheckpoint(c))
	}
}

func mustValidatorB(b *testing.B, ctx state.Ctx, op account.Address) (Validator, bool) {
	v, found, err := loadValidator(ctx.KV, op)
	mustNil(b, err)
	return v, found
}

func BenchmarkDelegate(b *testing.B) {
	e := newEnv(b, testParams())
	op := e.createValidator("v", 1000, "0.1")
	d := addr("d")
	e.fund(d, "1000000000000stake")
	e.delegate(d, op, 1)
	m := &tx.MsgDelegate{Delegator: d.String(), Validator: op.String(), Amount: "1000stake"}
	ctx := e.ctx()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := HandleDelegate(ctx, e.p, d, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmptyBlock is the cost of BeginBlock+EndBlock with 4 active
// validators and inflation on (what the simulator pays per block).
func BenchmarkEmptyBlock(b *testing.B) {
	p := testParams()
	p.Inflation = num.MustDec("0.07")
	e := newEnv(b, p)
	for i := 0; i < 4; i++ {
		e.createValidator(fmt.Sprintf("v%d", i), 1000000, "0.05")
	}
	e.next(5, BlockInfo{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := EndBlock(e.ctx(), e.p); err != nil {
			b.Fatal(err)
		}
		e.height++
		e.time_s += 5
		if _, err := BeginBlock(e.ctx(), e.p, BlockInfo{PrevTime_s: e.time_s - 5}); err != nil {
			b.Fatal(err)
		}
	}
}
