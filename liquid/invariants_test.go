package liquid

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// poolWithClaims is a one-validator chain state whose pool holds ststake
// and two unpaid claims.
func poolWithClaims(t *testing.T) *store.Overlay {
	kv := store.NewMem()
	p := params.Default()
	if err := params.Store(kv, p); err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("liquid/test/val"))
	key := ed25519.NewKeyFromSeed(seed[:])
	op := account.FromPubKey(key.Public().(ed25519.PublicKey))
	user := account.Module("user")
	for _, a := range []account.Address{op, user} {
		if err := bank.Mint(kv, a, p.NativeDenom, n(1_000_000)); err != nil {
			t.Fatal(err)
		}
	}
	var evs []state.Event
	ctx := state.NewCtx(kv, 0, 1_700_000_000, "test", &evs)
	gv := staking.GenesisValidator{Operator: op, ConsPubKey: key.Public().(ed25519.PublicKey), SelfDelegation: n(500_000), Commission: num.ZeroDec(), Moniker: "v"}
	if err := staking.InitGenesis(ctx, p, []staking.GenesisValidator{gv}); err != nil {
		t.Fatal(err)
	}
	ctx = state.NewCtx(kv, 1, 1_700_000_005, "test", &evs)
	if _, err := Stake(ctx, p, user, n(300_000)); err != nil {
		t.Fatal(err)
	}
	for _, st := range []uint64{100_000, 50_000} {
		if _, err := Unstake(ctx, p, user, n(st)); err != nil {
			t.Fatal(err)
		}
	}
	return kv
}

func checkAll(r store.Reader) error {
	for _, inv := range Invariants() {
		if err := inv.Check(r); err != nil {
			return err
		}
	}
	return nil
}

// Each invariant notices the corruption it guards against.
func TestInvariantsCatchCorruption(t *testing.T) {
	kv := poolWithClaims(t)
	if err := checkAll(kv); err != nil {
		t.Fatalf("healthy pool: %v", err)
	}
	pool := func(mut func(ps *poolState)) func(kv store.KV) {
		return func(kv store.KV) {
			ps, _ := loadPool(kv)
			mut(&ps)
			savePool(kv, ps)
		}
	}
	cases := []struct {
		name, want string
		corrupt    func(kv store.KV)
	}{
		{"supply", "bank supply", pool(func(ps *poolState) { ps.Supply, _ = ps.Supply.Add(n(1)) })},
		{"burned", "burned", pool(func(ps *poolState) { ps.Burned = ps.Burned.SubSat(n(1)) })},
		{"owed", "owed", pool(func(ps *poolState) { ps.Owed, _ = ps.Owed.Add(n(1)) })},
		{"unpaid count", "unpaid claims", pool(func(ps *poolState) { ps.Unpaid++ })},
		{"next due", "next due", pool(func(ps *poolState) { ps.NextDue_s++ })},
		{"fees", "fee account", pool(func(ps *poolState) { ps.FeesPaid, _ = ps.FeesPaid.Add(n(1)) })},
		{"unqueued claim", "queued", func(kv store.KV) {
			c, _, _ := loadClaim(kv, 1)
			kv.Delete(queueKey(c.Completion_s, c.ID))
		}},
		{"overpaid claim", "more than", func(kv store.KV) {
			c, _, _ := loadClaim(kv, 1)
			kv.Delete(queueKey(c.Completion_s, c.ID))
			c.Paid, c.PaidAmount = true, n(200_000)
			state.Put(kv, claimKey(1), &c)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := store.NewOverlay(kv)
			c.corrupt(o)
			if err := checkAll(o); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
