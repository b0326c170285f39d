package staking

import (
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/store"
)

// slashCase drives one chain to the slash: setup runs from block 1 (v has
// 1000 self-delegated, d is funded) and returns the infraction height; the
// double-sign evidence is applied in block at.
type slashCase struct {
	name        string
	setup       func(e *env, v, d, w account.Address) int64
	at          int64
	wantBonded  uint64   // B(H)
	wantBurned  uint64   // supply drop
	wantTokens  uint64   // validator tokens after
	wantEntries []uint64 // values of d's and w's unbonding entries after, oldest first
}

// SPEC §4: a slash for an infraction at H is sized on the stake bonded at H
// (tokens at the end of block H + entries created in block H), taken first
// from entries created at ≥ H and the rest from the current tokens.
func TestSlashSizedOnStakeAtInfraction(t *testing.T) {
	for _, c := range []slashCase{{
		name: "stake delegated after H does not raise the total",
		setup: func(e *env, v, d, _ account.Address) int64 {
			e.goToHeight(7)
			e.delegate(d, v, 1000)
			return 5
		},
		at: 9, wantBonded: 1000, wantBurned: 100, wantTokens: 1900,
	}, {
		name: "stake delegated in block H counts",
		setup: func(e *env, v, d, _ account.Address) int64 {
			e.goToHeight(5)
			e.delegate(d, v, 1000)
			return 5
		},
		at: 9, wantBonded: 2000, wantBurned: 200, wantTokens: 1800,
	}, {
		name: "undelegation after H: entry slashed, rest from tokens",
		setup: func(e *env, v, d, _ account.Address) int64 {
			e.delegate(d, v, 1000)
			e.goToHeight(7)
			e.undelegate(d, v, 600)
			return 5
		},
		at: 9, wantBonded: 2000, wantBurned: 200, wantTokens: 1260, wantEntries: []uint64{540},
	}, {
		name: "undelegation in block H: counted and slashed",
		setup: func(e *env, v, d, _ account.Address) int64 {
			e.delegate(d, v, 1000)
			e.goToHeight(5)
			e.undelegate(d, v, 600)
			return 5
		},
		at: 9, wantBonded: 2000, wantBurned: 200, wantTokens: 1260, wantEntries: []uint64{540},
	}, {
		name: "entry created before H is not slashed",
		setup: func(e *env, v, d, _ account.Address) int64 {
			e.delegate(d, v, 1000)
			e.goToHeight(3)
			e.undelegate(d, v, 600)
			return 5
		},
		at: 9, wantBonded: 1400, wantBurned: 140, wantTokens: 1260, wantEntries: []uint64{600},
	}, {
		name: "stake that came and left after H cannot push the burn past the total",
		setup: func(e *env, v, _, w account.Address) int64 {
			e.goToHeight(6)
			e.delegate(w, v, 5000)
			e.goToHeight(7)
			e.undelegate(w, v, 5000)
			return 5
		},
		// f × 5000 = 500 > total 100: the entry is slashed at 2% instead.
		at: 9, wantBonded: 1000, wantBurned: 100, wantTokens: 1000, wantEntries: []uint64{4900},
	}, {
		name: "a slash between H and the evidence does not shrink B(H)",
		setup: func(e *env, v, _, _ account.Address) int64 {
			e.goToHeight(7)
			e.setParams(func(p *params.Params) { p.DowntimeSlashFraction = num.MustDec("0.5") })
			if err := SlashDowntime(e.ctx(), e.p, v); err != nil {
				e.t.Fatal(err)
			}
			return 5
		},
		at: 9, wantBonded: 1000, wantBurned: 100, wantTokens: 400,
	}, {
		name: "infraction in the current block sees its delegations so far",
		setup: func(e *env, v, d, _ account.Address) int64 {
			e.goToHeight(4)
			e.delegate(d, v, 1000)
			return 4
		},
		at: 4, wantBonded: 2000, wantBurned: 200, wantTokens: 1800,
	}} {
		t.Run(c.name, func(t *testing.T) { runSlashCase(t, c) })
	}
}

func runSlashCase(t *testing.T, c slashCase) {
	p := testParams()
	p.DoubleSignSlashFraction = num.MustDec("0.1")
	p.UnbondingPeriod_s = 1000
	e := newEnv(t, p)
	v, d, w := e.createValidator("v", 1000, "0"), addr("d"), addr("w")
	e.fund(d, "10000stake")
	e.fund(w, "10000stake")
	h := c.setup(e, v, d, w)
	e.goToHeight(c.at)
	bonded, err := bondedAt(e.kv, e.validator(v), h)
	if err != nil {
		t.Fatal(err)
	}
	eqInt(t, "bonded at H", bonded, n(c.wantBonded))
	supply := e.supply()
	if err := SlashDoubleSign(e.ctx(), e.p, v, h); err != nil {
		t.Fatal(err)
	}
	eqInt(t, "burned", supply.SubSat(e.supply()), n(c.wantBurned))
	eqInt(t, "tokens", e.validator(v).Tokens, n(c.wantTokens))
	eqU64s(t, "entries", append(unbondingValues(t, e, d), unbondingValues(t, e, w)...), c.wantEntries)
	e.next(blockTime_s, BlockInfo{}) // invariants
}

// A later delegator keeps all of its stake; the delegator bonded at H pays
// the whole burn (SPEC §4, lots.go).
func TestLaterDelegatorKeepsValue(t *testing.T) {
	p := testParams()
	p.DoubleSignSlashFraction = num.MustDec("0.1")
	e := newEnv(t, p)
	v, d := e.createValidator("v", 1000, "0"), addr("d")
	e.fund(d, "3000stake")
	e.goToHeight(6)
	e.delegate(d, v, 3000)
	e.goToHeight(8)
	if err := SlashDoubleSign(e.ctx(), e.p, v, 5); err != nil {
		t.Fatal(err)
	}
	// total ceil(0.1 × 1000) = 100, all from the stake bonded at H.
	eqInt(t, "tokens", e.validator(v).Tokens, n(3900))
	eqInt(t, "later delegator", e.tokensOf(d, v), n(3000))
	// 900 exactly, less the exempt lot's rounding up (documented in lots.go).
	eqInt(t, "bonded at H", e.tokensOf(v, v), n(899))
	e.next(blockTime_s, BlockInfo{})
}

func TestGenesisWritesCheckpointAtZero(t *testing.T) {
	p := testParams()
	e := &env{t: t, kv: newMemWithParams(t, p), p: p, height: 1, time_s: genesisTime_s}
	g := addr("g1")
	e.fund(g, "500stake")
	vals := []GenesisValidator{{Operator: g, ConsPubKey: consPub("g1"), SelfDelegation: n(500), Commission: num.ZeroDec(), Moniker: "g1"}}
	if err := InitGenesis(e.genesisCtx(), p, vals); err != nil {
		t.Fatal(err)
	}
	c, found, err := lastCheckpoint(e.kv, g, 0)
	if err != nil || !found || c.height != 0 || !c.tokens.Eq(n(500)) {
		t.Fatalf("genesis checkpoint = %+v found=%v err=%v", c, found, err)
	}
	e.checkInvariants()
}

// The history stays bounded and reads inside the unbonding window stay exact.
func TestTokenHistoryPruning(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 200 // 40 blocks of 5s
	e := newEnv(t, p)
	v, d := e.createValidator("v", 1000, "0"), addr("d")
	e.fund(d, "1000000stake")
	want := map[int64]num.Int{}
	times := map[int64]int64{}
	for e.height < 300 {
		if e.height%3 != 0 { // some blocks leave the tokens unchanged
			e.delegate(d, v, uint64(e.height))
		}
		want[e.height], times[e.height] = e.validator(v).Tokens, e.time_s
		e.next(blockTime_s, BlockInfo{})
	}
	if got := countPrefixKeys(e.kv, tokenHistPrefix(v)); got > 30 {
		t.Fatalf("%d checkpoints kept for a 40-block window with 27 changes", got)
	}
	for h := int64(1); h < e.height; h++ {
		if num.AddTime(times[h], p.UnbondingPeriod_s) < e.time_s {
			continue // evidence for h would be ignored
		}
		got, err := tokensAfter(e.kv, e.validator(v), h)
		if err != nil {
			t.Fatal(err)
		}
		eqInt(t, "tokens after block", got, want[h])
	}
	// A long-idle validator prunes at most maxHistPrune checkpoints per write.
	before := countPrefixKeys(e.kv, tokenHistPrefix(v))
	if before <= maxHistPrune {
		t.Fatalf("only %d checkpoints: the bound is not exercised", before)
	}
	e.time_s += 10 * int64(p.UnbondingPeriod_s)
	e.delegate(d, v, 1)
	if got := countPrefixKeys(e.kv, tokenHistPrefix(v)); got != before+1-maxHistPrune {
		t.Fatalf("%d checkpoints after one write, had %d", got, before)
	}
	e.next(blockTime_s, BlockInfo{})
	e.delegate(d, v, 1)
	if got := countPrefixKeys(e.kv, tokenHistPrefix(v)); got != 3 {
		t.Fatalf("%d checkpoints after the second write, want the last old one and the two new ones", got)
	}
	got, err := tokensAfter(e.kv, e.validator(v), e.height)
	if err != nil {
		t.Fatal(err)
	}
	eqInt(t, "current", got, e.validator(v).Tokens)
	e.next(blockTime_s, BlockInfo{})
}

// Reads at a height before the validator existed are zero; pruned heights
// fall back to the oldest checkpoint kept.
func TestTokensAfterOutsideHistory(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 10
	e := newEnv(t, p)
	e.goToHeight(3)
	v, d := e.createValidator("v", 1000, "0"), addr("d")
	e.fund(d, "1000stake")
	if got, _ := tokensAfter(e.kv, e.validator(v), 2); !got.IsZero() {
		t.Fatalf("tokens before creation = %s", got)
	}
	e.step(5)
	e.delegate(d, v, 10)
	e.step(5)
	e.delegate(d, v, 20)
	if c, _, _ := firstCheckpoint(e.kv, v); c.height == 3 {
		t.Fatal("creation checkpoint not pruned")
	}
	got, err := tokensAfter(e.kv, e.validator(v), 4)
	if err != nil {
		t.Fatal(err)
	}
	eqInt(t, "pruned read", got, n(1010))
	e.next(blockTime_s, BlockInfo{})
}

func TestCheckpointEncodingWithSeized(t *testing.T) {
	k := tokenHistKey(addr("v"), 7)
	for _, c := range []checkpoint{
		{height: 7, tokens: num.NewInt(5), unbonded: num.NewInt(2), time_s: 9, nextLot: 3},
		{height: 7, tokens: num.NewInt(5), unbonded: num.NewInt(2), time_s: 9, nextLot: 3, seized: num.NewInt(11)},
	} {
		got, err := decodeCheckpoint(k, encodeCheckpoint(c))
		if err != nil || !got.tokens.Eq(c.tokens) || !got.unbonded.Eq(c.unbonded) || got.nextLot != c.nextLot || !got.seized.Eq(c.seized) || got.time_s != c.time_s {
			t.Fatalf("round trip %+v -> %+v, %v", c, got, err)
		}
	}
	if _, err := decodeCheckpoint(k, make([]byte, 100)); err == nil {
		t.Fatal("a 100-byte checkpoint decoded")
	}
}

// tokensAfter is v's tokens at the end of block h (see stateAfter).
func tokensAfter(r store.Reader, v Validator, h int64) (num.Int, error) {
	c, err := stateAfter(r, v, h)
	return c.tokens, err
}

// bondedAt is B(h) (slash.go): v's tokens at the end of block h plus the
// initial amounts of the unbonding entries it created in block h.
func bondedAt(r store.Reader, v Validator, h int64) (num.Int, error) {
	b, _, err := bondedAndCut(r, v, h)
	return b, err
}
