package chain

import (
	"testing"

	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
)

// Exact-value tests of claims that are a large share of the pool. With
// inflation off the only changes to the pool's assets are deposits,
// payouts and slashes, so every number below is computed by hand.

func noInflation(p *params.Params) {
	p.Inflation = num.ZeroDec()
	p.UnbondingPeriod_s = 86400
}

func (h *harness) wantClaim(id uint64, amount, paid uint64) {
	h.t.Helper()
	c := h.claim(id)
	if !c.Amount.Eq(num.NewInt(amount)) {
		h.t.Fatalf("claim %d amount %s, want %d", id, c.Amount, amount)
	}
	if paid == 0 {
		if c.Paid {
			h.t.Fatalf("claim %d paid %s, want unpaid", id, c.PaidAmount)
		}
		return
	}
	if !c.Paid || !c.PaidAmount.Eq(num.NewInt(paid)) {
		h.t.Fatalf("claim %d paid=%v %s, want %d", id, c.Paid, c.PaidAmount, paid)
	}
}

func (h *harness) wantBal(label, denom string, want uint64) {
	h.t.Helper()
	if got := h.bal(addrOf(label), denom); !got.Eq(num.NewInt(want)) {
		h.t.Fatalf("%s holds %s%s, want %d", label, got, denom, want)
	}
}

// Two exits that together are almost the whole pool are each paid in full:
// nothing was slashed, so nothing may be withheld.
func TestLiquidLargeExitsPaidInFull(t *testing.T) {
	for _, inflation := range []func(*params.Params){noInflation, func(p *params.Params) { p.UnbondingPeriod_s = 86400 }} {
		h := liquidHarness(t, inflation)
		mustOK(t, h.lstake("alice", "801000stake"))
		mustOK(t, h.lunstake("alice", "400000ststake"))
		mustOK(t, h.lunstake("alice", "400000ststake"))
		h.wantClaim(1, 400000, 0)
		h.wantClaim(2, 400000, 0)
		h.advanceTo(h.claim(1).Completion_s + 20)
		h.wantClaim(1, 400000, 400000)
		h.wantClaim(2, 400000, 400000)
		h.wantBal("alice", "stake", 1_000_000-801000+800000)
		h.wantBal("alice", liquid.Denom, 1000)
	}
}

// Every holder leaves: each is paid exactly what it put in, and the pool
// ends with no supply, no burned ststake and nothing owed.
func TestLiquidFullExit(t *testing.T) {
	h := liquidHarness(t, noInflation)
	mustOK(t, h.lstake("alice", "500000stake"))
	mustOK(t, h.lstake("bob", "1000stake"))
	h.next()
	mustOK(t, h.lunstake("alice", "500000ststake"))
	mustOK(t, h.lunstake("bob", "1000ststake"))
	h.advanceTo(h.claim(1).Completion_s + 20)
	h.wantClaim(1, 500000, 500000)
	h.wantClaim(2, 1000, 1000)
	h.wantBal("alice", "stake", 1_000_000)
	h.wantBal("bob", "stake", 1000)
	in := h.info()
	if !in.Books.Supply.IsZero() || !in.Books.Owed.IsZero() {
		t.Fatalf("books after a full exit: %+v", in.Books)
	}
	if a, _ := in.Books.Assets(); !a.IsZero() {
		t.Fatalf("assets %s left after a full exit", a)
	}
}

// Several claims of one block are paid in the same EndBlock, each what it
// is worth: a later claim of the batch sees the books after the earlier ones.
func TestLiquidSeveralClaimsPaidInOneBlock(t *testing.T) {
	h := liquidHarness(t, noInflation)
	mustOK(t, h.lstake("alice", "500000stake"))
	mustOK(t, h.lstake("bob", "1000stake"))
	h.next()
	mustOK(t, h.lunstake("alice", "100000ststake"))
	mustOK(t, h.lunstake("alice", "200000ststake"))
	mustOK(t, h.lunstake("bob", "1000ststake"))
	mustOK(t, h.lunstake("alice", "199999ststake"))
	h.advanceTo(h.claim(1).Completion_s + 20)
	paidAt := h.claim(1).Paid_s
	for id, amt := range map[uint64]uint64{1: 100000, 2: 200000, 3: 1000, 4: 199999} {
		h.wantClaim(id, amt, amt)
		if h.claim(id).Paid_s != paidAt {
			t.Fatalf("claim %d paid at %d, claim 1 at %d: want one batch", id, h.claim(id).Paid_s, paidAt)
		}
	}
	h.wantBal("alice", "stake", 1_000_000-1)
	h.wantBal("alice", liquid.Denom, 1)
}

// A double sign at the height where the claims were opened slashes the
// pool's unbonding entries and its delegation by the same 5%: claims and
// holders lose 5% each, once.
func TestLiquidSlashDuringUnbondingChargedOnce(t *testing.T) {
	h := liquidHarness(t, noInflation)
	mustOK(t, h.lstake("alice", "900000stake"))
	mustOK(t, h.lstake("bob", "1000stake"))
	h.next()
	unstakeHeight := h.c.Height() + 1
	mustOK(t, h.lunstake("alice", "300000ststake"))
	mustOK(t, h.lunstake("bob", "1000ststake"))
	h.next()
	// val's stake bonded at that height: its 1_000_000 plus the pool's
	// 901_000 (301_000 of it in entries created then): 5% is 95_050, 15_050
	// from the entries and 80_000 from the 1_600_000 tokens left.
	if err := h.c.Inject(func(ctx state.Ctx, p params.Params) error {
		return staking.SlashDoubleSign(ctx, p, addrOf(validatorLabel), unstakeHeight)
	}); err != nil {
		t.Fatal(err)
	}
	// assets 570_000 + 285_950 = 855_950 = 0.95 · 901_000
	if a, _ := h.info().Books.Assets(); !a.Eq(num.NewInt(855_950)) {
		t.Fatalf("assets after the slash %s", a)
	}
	h.advanceTo(h.claim(1).Completion_s + 20)
	h.wantClaim(1, 300000, 285000)
	h.wantClaim(2, 1000, 950)
	h.wantBal("bob", "stake", 950)
	// alice's remaining 600_000 ststake are worth 570_000: 5% lost, not more.
	mustOK(t, h.lunstake("alice", "600000ststake"))
	h.wantClaim(3, 570000, 0)
	h.advanceTo(h.claim(3).Completion_s + 20)
	h.wantClaim(3, 570000, 570000)
	h.wantBal("alice", "stake", 1_000_000-900000+285000+570000)
}
