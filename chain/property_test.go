package chain

import (
	"bytes"
	"testing"

	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"
)

var actors = []string{"alice", "bob", "carol", validatorLabel}

// action is one random step: a signed transaction or an injected event.
type action struct {
	from  string
	msg   proto.Message
	event func(ctx state.Ctx, p params.Params) error
}

type block struct {
	gap_s   int64
	actions []action
}

func drawAction(t *rapid.T) action {
	from := rapid.SampledFrom(actors).Draw(t, "from")
	other := rapid.SampledFrom(actors).Draw(t, "to")
	amt := rapid.SampledFrom([]string{"1", "17", "1000", "250000", "5000000"}).Draw(t, "amt") + "stake"
	a, o := addrOf(from).String(), addrOf(other).String()
	val := addrOf(rapid.SampledFrom([]string{validatorLabel, "carol"}).Draw(t, "val")).String()
	switch rapid.IntRange(0, 13).Draw(t, "kind") {
	case 10, 11:
		return action{from: from, msg: &tx.MsgLiquidStake{From: a, Amount: amt}}
	case 12:
		st := rapid.SampledFrom([]string{"1", "17", "1000", "250000"}).Draw(t, "st") + "ststake"
		return action{from: from, msg: &tx.MsgLiquidUnstake{From: a, Amount: st}}
	case 13: // a donation to the pool
		return action{from: from, msg: &tx.MsgSend{From: a, To: liquid.Pool.String(), Amount: amt}}
	case 0, 1:
		return action{from: from, msg: &tx.MsgSend{From: a, To: o, Amount: amt}}
	case 2:
		return action{from: from, msg: &tx.MsgDelegate{Delegator: a, Validator: val, Amount: amt}}
	case 3:
		return action{from: from, msg: &tx.MsgUndelegate{Delegator: a, Validator: val, Amount: amt}}
	case 4:
		return action{from: "carol", msg: &tx.MsgCreateValidator{Operator: addrOf("carol").String(), ConsPubKey: consPub("carol"),
			SelfDelegation: amt, Commission: "0.05", Moniker: "carol"}}
	case 5:
		return action{from: from, msg: &tx.MsgClaimRewards{Account: a}}
	case 6:
		return action{from: from, msg: &tx.MsgUnjail{Validator: a}}
	case 7:
		return action{from: from, msg: &tx.MsgEditValidator{Operator: a, Commission: rapid.SampledFrom([]string{"0.1", "0.105", "0.5"}).Draw(t, "c")}}
	case 8:
		op := addrOf(rapid.SampledFrom([]string{validatorLabel, "carol"}).Draw(t, "slashed"))
		back := rapid.Int64Range(0, 3).Draw(t, "back")
		return action{event: func(ctx state.Ctx, p params.Params) error {
			if _, ok, _ := staking.GetValidator(ctx.KV, op); !ok {
				return nil
			}
			return staking.SlashDoubleSign(ctx, p, op, max(1, ctx.Height-back))
		}}
	default:
		op := addrOf(rapid.SampledFrom([]string{validatorLabel, "carol"}).Draw(t, "down"))
		return action{event: func(ctx state.Ctx, p params.Params) error {
			if v, ok, _ := staking.GetValidator(ctx.KV, op); !ok || v.Jailed {
				return nil
			}
			return staking.SlashDowntime(ctx, p, op)
		}}
	}
}

func drawBlocks(t *rapid.T) []block {
	n := rapid.IntRange(1, 25).Draw(t, "blocks")
	out := make([]block, n)
	for i := range out {
		out[i].gap_s = rapid.SampledFrom([]int64{5, 60, 3600, 86400 * 3}).Draw(t, "gap")
		out[i].actions = rapid.SliceOfN(rapid.Custom(drawAction), 0, 6).Draw(t, "actions")
	}
	return out
}

func shortGenesis() Genesis {
	g := testGenesis(func(p *params.Params) { p.UnbondingPeriod_s = 86400; p.DowntimeJail_s = 600 })
	g.Accounts = append(g.Accounts, GenesisAccount{Address: addrOf("carol"), Coins: "3000000stake"})
	return g
}

// replay runs blocks on a fresh chain over base and returns each block's app hash.
func replay(t testing.TB, base store.Base, blocks []block) [][]byte {
	h := newHarness(t, base, shortGenesis())
	var hashes [][]byte
	for _, b := range blocks {
		for _, a := range b.actions {
			if a.event != nil {
				_ = h.c.Inject(a.event) // a rejected event changes nothing, like a failed tx
				continue
			}
			if r := h.deliver(a.from, a.msg); r.Code == CodeInternal {
				t.Fatalf("internal error (a bug, not a rule): %s", r.Log)
			}
		}
		h.time += b.gap_s - testBlockTime
		hashes = append(hashes, h.next().AppHash)
	}
	return hashes
}

// Random messages and events over many blocks: invariants hold after every
// block (CheckInvariants), and two replicas — one in memory, one on Pebble —
// reach the same app hash at every height.
func TestRandomBlocksInvariantsAndDeterminism(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		blocks := drawBlocks(rt)
		mem := replay(t, store.NewMemBase(), blocks)
		db, err := store.OpenPebble(t.TempDir())
		if err != nil {
			rt.Fatal(err)
		}
		defer db.Close()
		disk := replay(t, db, blocks)
		for i := range mem {
			if !bytes.Equal(mem[i], disk[i]) {
				rt.Fatalf("block %d: app hash differs between replicas", i+1)
			}
		}
	})
}
