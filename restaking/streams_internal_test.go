package restaking

import (
	"fmt"
	"testing"

	"github.com/restaked/restaked/account"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// A stakers' accumulator at the end of its range leaves the rest with the
// operator: nothing fails, nothing is lost.
func TestCreditVaultOverflowFallsBackToOperator(t *testing.T) {
	as := allocStream{Acc: num.MaxInt(), Rem: num.NewInt(3)}
	if err := creditVault(&as, num.NewInt(1000), num.MustDec("0.1"), num.NewInt(1)); err != nil {
		t.Fatal(err)
	}
	if !as.Commission.Eq(num.NewInt(1000)) || !as.Acc.Eq(num.MaxInt()) || !as.Rem.Eq(num.NewInt(3)) {
		t.Fatalf("after overflow: %+v", as)
	}
	// Without shares the operator keeps all, too.
	as = allocStream{}
	if err := creditVault(&as, num.NewInt(7), num.MustDec("0.1"), num.Int{}); err != nil || !as.Commission.Eq(num.NewInt(7)) {
		t.Fatalf("no shares: %+v, %v", as, err)
	}
}

// A service accumulator at the end of its range turns the share into
// unassigned emission (refunded later) instead of failing the block.
func TestSpreadEmissionOverflowIsUnassigned(t *testing.T) {
	kv := store.NewMem()
	var sink []state.Event
	ctx := state.NewCtx(kv, 10, 1000, "t", &sink)
	state.Put(kv, assetKey("usdc"), &Asset{Denom: "usdc", Kind: KindPriced, Price: num.OneDec()})
	saveService(kv, &Service{Name: "a", Assets: []string{"usdc"}})
	state.PutAmount(kv, serviceWeightKey("a", "usdc"), num.NewInt(2))
	state.Put(kv, serviceAccKey("a", "usdc", "rw"), &serviceAcc{Acc: num.MaxInt()})
	pg := Program{ID: 1, Service: "a", Denom: "rw", Amount: num.NewInt(100)}
	if err := spreadEmission(ctx, &pg, num.NewInt(40), map[string]num.Dec{}); err != nil {
		t.Fatal(err)
	}
	if !pg.Unassigned.Eq(num.NewInt(40)) || !pg.Credited.IsZero() {
		t.Fatalf("program after an overflowing spread: %+v", pg)
	}
	// The same spread below the range is credited.
	state.Put(kv, serviceAccKey("a", "usdc", "rw"), &serviceAcc{})
	pg = Program{ID: 1, Service: "a", Denom: "rw", Amount: num.NewInt(100)}
	if err := spreadEmission(ctx, &pg, num.NewInt(40), map[string]num.Dec{}); err != nil || !pg.Credited.Eq(num.NewInt(40)) {
		t.Fatalf("program after a normal spread: %+v, %v", pg, err)
	}
	var sa serviceAcc
	if _, err := state.Load(kv, serviceAccKey("a", "usdc", "rw"), &sa); err != nil || !sa.Acc.Eq(mustMul(num.NewInt(20), rewards.Scale)) {
		t.Fatalf("accumulator %+v, %v", sa, err)
	}
}

// New allocations stop once a vault has had streams with
// MaxStreamServices services' worth of denoms.
func TestStreamRoom(t *testing.T) {
	kv := store.NewMem()
	var op account.Address
	op[0] = 1
	limit := MaxStreamServices * MaxRewardDenomsPerService
	var set streamSet
	for i := range limit - 1 {
		set.list = append(set.list, vaultStream{svc: fmt.Sprintf("s%04d", i), denom: "rw"})
	}
	set.save(kv, op, "usdc")
	if err := checkStreamRoom(kv, op, "usdc"); err != nil {
		t.Fatalf("below the limit: %v", err)
	}
	set.list = append(set.list, vaultStream{svc: "s9999", denom: "rw"})
	set.save(kv, op, "usdc")
	if err := checkStreamRoom(kv, op, "usdc"); state.RuleOf(err) != "too-many-reward-streams" {
		t.Fatalf("at the limit: %v", err)
	}
	if err := checkStreamRoom(kv, op, "stake"); err != nil {
		t.Fatalf("another asset's vault: %v", err)
	}
}
