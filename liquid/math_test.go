package liquid

import (
	"math/big"
	"testing"

	"github.com/restaked/restaked/num"
	"pgregory.net/rapid"
)

func n(v uint64) num.Int { return num.NewInt(v) }

// books is a balance sheet with assets a (all idle), supply s and burned b.
func books(a, s, b uint64) Books { return Books{Idle: n(a), Supply: n(s), Burned: n(b)} }

func TestRateMathRounding(t *testing.T) {
	cases := []struct {
		name                   string
		assets, shares, amount uint64
		mint, value            uint64
	}{
		// rate (3_000_000 + 1e6) / (2_000_000 + 1e6) = 4/3 (assets ≥ shares)
		{"mint rounds down", 3_000_000, 2_000_000, 10, 7, 13}, // 10·3/4 = 7.5 → 7; 10·4/3 = 13.3 → 13
		// assets < shares: value at 950/1000 = 0.95 exactly; minting still
		// at (950 + 1e6) / (1000 + 1e6): 100 · 1_001_000 / 1_000_950 = 100.005 → 100
		{"below 1:1: pro rata", 950, 1000, 100, 100, 95},
		{"no assets left: worth nothing", 0, 5, 5, 5, 0},
		// A donation of 1e5 times the deposit still leaves the deposit 9 ststake;
		// zeroing it needs a donation above ~1e6 times the deposit (then the
		// deposit is rejected as too small, never taken for nothing).
		{"large donation", 100_000_000, 1, 1000, 9, 100_999},
		{"huge donation: rejected, not robbed", 1_000_000_000, 1, 1000, 0, 1_000_998},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := books(c.assets, c.shares, 0)
			m, err := mintFor(n(c.amount), b)
			if err != nil || !m.Eq(n(c.mint)) {
				t.Fatalf("mint %s (%v), want %d", m, err, c.mint)
			}
			v, err := valueOf(n(c.amount), b)
			if err != nil || !v.Eq(n(c.value)) {
				t.Fatalf("value %s (%v), want %d", v, err, c.value)
			}
		})
	}
}

func TestEmptyPoolMintsOneToOne(t *testing.T) {
	m, err := mintFor(n(1000), Books{})
	if err != nil || !m.Eq(n(1000)) {
		t.Fatalf("mint %s %v", m, err)
	}
	r, err := rateOf(Books{})
	if err != nil || !r.Eq(num.OneDec()) {
		t.Fatalf("rate %s %v", r, err)
	}
}

// Burned ststake of unpaid claims counts in the shares exactly like
// ststake in circulation: moving st from supply to burned changes no value.
func TestBurnedCountsInShares(t *testing.T) {
	before, _ := valueOf(n(400_000), books(801_000, 801_000, 0))
	after, _ := valueOf(n(400_000), books(801_000, 401_000, 400_000))
	if !before.Eq(n(400_000)) || !after.Eq(before) {
		t.Fatalf("value %s then %s, want 400000 both", before, after)
	}
}

func TestFeeRoundsDown(t *testing.T) {
	f, err := feeOf(n(19), num.MustDec("0.1"))
	if err != nil || !f.Eq(n(1)) {
		t.Fatalf("fee %s", f)
	}
}

func TestPayableMinRule(t *testing.T) {
	c := Claim{Burned: n(1000), Amount: n(1100)} // requested at rate 1.1
	cases := []struct {
		name                        string
		assets, supply, burned, pay uint64
	}{
		// rate now (1_400_000 + 1e6) / (1_000_000 + 1e6) = 1.2
		{"rate rose: pays the request", 1_400_000, 999_000, 1000, 1100},
		// rate now (1_050_000 + 1e6) / (1_000_000 + 1e6) = 1.025: 1025
		{"rate fell: pays the rate now", 1_050_000, 999_000, 1000, 1025},
		// (1_050_001 + 1e6) / 2_000_000: 1000 · 1.0250005 = 1025.0005 → 1025
		{"rounding down", 1_050_001, 999_000, 1000, 1025},
		// assets below shares: 900_000 / 1_000_000 = 0.9, no virtual shares
		{"slashed below 1:1: pro rata", 900_000, 999_000, 1000, 900},
		{"several claims: the same rate", 900_000, 0, 1_000_000, 900},
		{"nothing left", 0, 0, 1000, 0},
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			got, err := payable(c, books(x.assets, x.supply, x.burned))
			if err != nil || !got.Eq(n(x.pay)) {
				t.Fatalf("pay %s (%v), want %d", got, err, x.pay)
			}
		})
	}
}

func TestBooksPaid(t *testing.T) {
	b := Books{Idle: n(10), Burned: n(5), Owed: n(12), Supply: n(3)}
	if err := b.paid(n(5), n(12), n(10)); err != nil || !b.Idle.IsZero() || !b.Burned.IsZero() || !b.Owed.IsZero() || !b.Supply.Eq(n(3)) {
		t.Fatalf("books %+v %v", b, err)
	}
	if err := b.paid(n(1), n(0), n(0)); err == nil {
		t.Fatal("paying a claim the books do not hold must fail")
	}
}

func TestCapIsTwiceAnEqualShare(t *testing.T) {
	c, err := capFor(n(100), n(50), 4)
	if err != nil || !c.Eq(n(75)) { // 2·150/4
		t.Fatalf("cap %s", c)
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	c := Claim{ID: 7, Burned: n(5), Amount: n(6), RateAtRequest: num.MustDec("1.2"), Created_s: 1, Completion_s: 2, Paid: true, PaidAmount: n(6), Paid_s: 3}
	var d Claim
	if err := d.UnmarshalRecord(c.MarshalRecord()); err != nil || d != c {
		t.Fatalf("claim %+v %v", d, err)
	}
	p := poolState{Supply: n(1), Burned: n(8), Owed: n(2), NextClaim: 3, LastCompound_s: 4, Harvested_h: 9, FeesPaid: n(5), Unpaid: 6, NextDue_s: 7}
	var q poolState
	if err := q.UnmarshalRecord(p.MarshalRecord()); err != nil || q != p {
		t.Fatalf("pool %+v %v", q, err)
	}
	old := append([]byte{1}, p.MarshalRecord()[1:]...)
	if err := q.UnmarshalRecord(old); err == nil {
		t.Fatal("a version 1 pool record must be refused")
	}
}

// rat is x as a big rational.
func rat(x num.Int) *big.Rat { return new(big.Rat).SetInt(x.Big()) }

// exactRate is r of doc.go as an exact fraction (0 with no shares).
func exactRate(b Books) *big.Rat {
	a, _ := b.Assets()
	d, _ := b.Shares()
	if d.IsZero() {
		return new(big.Rat)
	}
	v := big.NewRat(VirtualOffset, 1)
	virt := new(big.Rat).Quo(new(big.Rat).Add(rat(a), v), new(big.Rat).Add(rat(d), v))
	real := new(big.Rat).Quo(rat(a), rat(d))
	if virt.Cmp(real) < 0 {
		return virt
	}
	return real
}

func drawBooks(t *rapid.T) Books {
	scale := rapid.SampledFrom([]uint64{1, 1000, 1_000_000, 1_000_000_000_000}).Draw(t, "scale")
	a := rapid.Uint64Range(0, 5_000_000).Draw(t, "assets") * scale
	s := rapid.Uint64Range(0, 5_000_000).Draw(t, "supply") * scale
	b := rapid.Uint64Range(0, 5_000_000).Draw(t, "burned") * scale
	return books(a, s, b)
}

// Against exact rationals: a value is floor(st · r) and never more than
// the pro-rata share of the assets; a deposit cannot be redeemed for more
// than it paid; neither a deposit nor a payment lowers r for the others.
func TestRateProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := drawBooks(t)
		d, _ := b.Shares()
		a, _ := b.Assets()
		if !d.IsZero() {
			st := num.NewInt(rapid.Uint64Range(1, 1<<62).Draw(t, "st")).Min(d)
			v, err := valueOf(st, b)
			exact := new(big.Rat).Mul(rat(st), exactRate(b))
			floor := new(big.Int).Quo(exact.Num(), exact.Denom())
			if err != nil || v.Big().Cmp(floor) != 0 {
				t.Fatalf("value %s, want floor(%s) = %s (%v)", v, exact.FloatString(3), floor, err)
			}
			if share := new(big.Rat).Quo(new(big.Rat).Mul(rat(st), rat(a)), rat(d)); rat(v).Cmp(share) > 0 {
				t.Fatalf("value %s above the pro-rata share %s", v, share.FloatString(3))
			}
			checkPayment(t, b, st)
		}
		checkDeposit(t, b, num.NewInt(rapid.Uint64Range(1, 1<<62).Draw(t, "deposit")))
	})
}

func checkDeposit(t *rapid.T, b Books, x num.Int) {
	m, err := mintFor(x, b)
	if err != nil {
		t.Fatalf("deposit %s: %v", x, err)
	}
	if m.IsZero() {
		return // refused as too small: nothing to check
	}
	after := b
	after.Idle, _ = after.Idle.Add(x)
	after.Supply, _ = after.Supply.Add(m)
	if exactRate(after).Cmp(exactRate(b)) < 0 && !isZeroShares(b) {
		t.Fatalf("deposit %s lowered r from %s to %s", x, exactRate(b).FloatString(9), exactRate(after).FloatString(9))
	}
	if v, _ := valueOf(m, after); v.GT(x) {
		t.Fatalf("deposit %s minted %s worth %s", x, m, v)
	}
}

func isZeroShares(b Books) bool { d, _ := b.Shares(); return d.IsZero() }

// checkPayment pays a claim of burned st (taken from supply or burned) at
// the rate now and checks r did not fall for the rest.
func checkPayment(t *rapid.T, b Books, st num.Int) {
	if st.GT(b.Burned) {
		extra := st.SubSat(b.Burned)
		b.Supply, b.Burned = b.Supply.SubSat(extra), st
	}
	pay, err := valueOf(st, b)
	if err != nil {
		t.Fatal(err)
	}
	after := b
	if err := after.paid(st, num.Int{}, pay); err != nil {
		t.Fatalf("pay %s of %+v: %v", pay, b, err)
	}
	if !isZeroShares(after) && exactRate(after).Cmp(exactRate(b)) < 0 {
		t.Fatalf("paying %s for %s lowered r from %s to %s", pay, st, exactRate(b).FloatString(9), exactRate(after).FloatString(9))
	}
}
