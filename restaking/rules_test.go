package restaking_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/tx"
)

// Every input rule of the restaking messages, each rejected by name and
// leaving state unchanged (h.fails checks both).
func TestInputRules(t *testing.T) {
	x := twoServices(t, func(p *params.Params) { p.MinAllocationDelay_s = 3600 }, "", "0.5", "")
	x.fails("operator-exists", "op", registerOperator("op", false, ""))
	x.fails("allocation-delay-too-short", "bob", &tx.MsgRegisterOperator{Operator: s("bob"), AllocationDelay: "1m"})
	x.fails("bad-duration", "bob", &tx.MsgRegisterOperator{Operator: s("bob"), AllocationDelay: "soon"})
	x.fails("bad-degree", "bob", registerOperator("bob", false, "0"))
	x.fails("degree-too-high", "bob", registerOperator("bob", false, "2"))
	x.fails("too-long", "bob", &tx.MsgRegisterOperator{Operator: s("bob"), Metadata: strings.Repeat("x", restaking.MaxMetadataLen+1)})

	x.fails("service-exists", "svc", registerService("svc", "a", "usdc"))
	x.fails("bad-name", "bob", registerService("bob", "Bad Name", "usdc"))
	x.fails("bad-assets", "bob", registerService("bob", "empty"))
	x.fails("duplicate-asset", "bob", registerService("bob", "twice", "usdc", "usdc"))
	x.fails("unknown-asset", "bob", registerService("bob", "eth", "eth"))
	bad := registerService("bob", "closed", "usdc")
	bad.Policy = "closed"
	x.fails("bad-policy", "bob", bad)
	bad = registerService("bob", "veto", "usdc")
	bad.VetoWindow = "1d"
	x.fails("bad-veto", "bob", bad) // a window without a resolver
	bad.Resolver, bad.VetoWindow = s("carol"), "30d"
	x.fails("bad-veto", "bob", bad) // above max_veto_window
	bad = registerService("bob", "zero", "usdc")
	bad.Threshold = "0"
	x.fails("bad-fraction", "bob", bad)

	x.fails("already-opted-in", "op", optIn("op", "a"))
	x.fails("asset-exists", "authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "usdc", Price: "1"})
	x.fails("bad-denom", "authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "X!", Price: "1"})
	x.fails("bad-price", "authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "eth", Price: "0"})
	x.fails("not-priced", "authority", &tx.MsgSetPrice{Authority: s("authority"), Denom: "stake", Price: "2"})
	x.fails("bad-amount", "alice", deposit("alice", "op", "0usdc"))
	x.fails("bad-amount", "alice", deposit("alice", "op", "lots"))
	x.fails("unknown-slash", "carol", &tx.MsgVetoSlash{Resolver: s("carol"), Id: 99})
	x.advance(3600)                             // the allocation (delayed by min_allocation_delay) takes effect
	x.ok("svc", slash("svc", "a", "op", "0.1")) // burned: nothing escrowed
	x.fails("nothing-escrowed", "svc", &tx.MsgClaimRedistribution{Recipient: s("svc"), Id: 1})
}

// The bounds that keep every loop small are enforced with clear rules.
func TestBounds(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", registerOperator("op", false, ""))
	for i := 0; i < restaking.MaxServicesPerOperator; i++ {
		name := fmt.Sprintf("s%d", i)
		x.ok("svc", registerService("svc", name, "usdc"))
		x.ok("op", optIn("op", name))
	}
	x.ok("svc", registerService("svc", "one-more", "usdc"))
	x.fails("too-many-services", "op", optIn("op", "one-more"))

	for i := 0; i < restaking.MaxAssets-3; i++ { // stake, ststake and usdc are registered
		x.ok("authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: fmt.Sprintf("tok%d", i), Price: "1"})
	}
	x.fails("too-many-assets", "authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "last", Price: "1"})

	for i := 0; i < restaking.MaxPositionsPerStaker; i++ {
		op := fmt.Sprintf("op%d", i)
		x.ok(op, registerOperator(op, false, ""))
		x.ok("alice", deposit("alice", op, "1usdc"))
	}
	x.ok("bob", registerOperator("bob", false, ""))
	x.fails("too-many-positions", "alice", deposit("alice", "bob", "1usdc"))
}

// A service holds at most MaxOperatorsPerService membership records.
func TestMembersBound(t *testing.T) {
	x := newH(t, nil)
	x.ok("svc", registerService("svc", "a", "usdc"))
	for i := 0; i < restaking.MaxOperatorsPerService; i++ {
		op := fmt.Sprintf("m%d", i)
		x.ok(op, registerOperator(op, false, ""), optIn(op, "a"))
	}
	x.ok("bob", registerOperator("bob", false, ""))
	x.fails("too-many-members", "bob", optIn("bob", "a"))
}
