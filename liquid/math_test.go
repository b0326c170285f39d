package liquid

import (
	"testing"

	"github.com/restaked/restaked/num"
)

func n(v uint64) num.Int { return num.NewInt(v) }

func TestRateMathRounding(t *testing.T) {
	cases := []struct {
		name                   string
		equity, supply, amount uint64
		mint, value            uint64
	}{
		{"empty pool mints 1:1", 0, 0, 1000, 1000, 0}, // nothing to redeem yet
		// rate (3_000_000 + 1e6) / (2_000_000 + 1e6) = 4/3
		{"mint rounds down", 3_000_000, 2_000_000, 10, 7, 13}, // 10·3/4 = 7.5 → 7; 10·4/3 = 13.3 → 13
		{"value capped by equity", 0, 5, 5, 5, 0},             // no equity left: worth nothing
		// A donation of 1e5 times the deposit still leaves the deposit 9 ststake;
		// zeroing it needs a donation above ~1e6 times the deposit (then the
		// deposit is rejected as too small, never taken for nothing).
		{"large donation", 100_000_000, 1, 1000, 9, 100_999},
		{"huge donation: rejected, not robbed", 1_000_000_000, 1, 1000, 0, 1_000_998},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := mintFor(n(c.amount), n(c.equity), n(c.supply))
			if err != nil || !m.Eq(n(c.mint)) {
				t.Fatalf("mint %s (%v), want %d", m, err, c.mint)
			}
			v, err := valueOf(n(c.amount), n(c.equity), n(c.supply))
			if err != nil || !v.Eq(n(c.value)) {
				t.Fatalf("value %s (%v), want %d", v, err, c.value)
			}
		})
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
		name                         string
		delegated, owed, supply, pay uint64
	}{
		// rate now (equity + 1e6) / (supply + 1e6) = 1.2
		{"rate rose: pays the request", 1_200_000 + 1100, 1100, 1_000_000, 1100},
		// rate now (1_050_000 + 1e6) / (1_000_000 + 1e6) = 1.025: 1025
		{"rate fell: pays the rate now", 1_050_000 + 1100, 1100, 1_000_000, 1025},
		// rate now (1_050_001 + 1e6) / 2_000_000: 1000 · 1.0250005 = 1025.0005 -> 1025
		{"rounding down", 1_050_001 + 1100, 1100, 1_000_000, 1025},
		{"no holders: pays the request", 1100, 1100, 0, 1100},
		{"assets below owed: pro rata", 550, 1100, 0, 550},
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			b := Books{Delegated: n(x.delegated), Owed: n(x.owed), Supply: n(x.supply)}
			got, err := payable(c, b)
			if err != nil || !got.Eq(n(x.pay)) {
				t.Fatalf("pay %s (%v), want %d", got, err, x.pay)
			}
		})
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
	p := poolState{Supply: n(1), Owed: n(2), NextClaim: 3, LastCompound_s: 4, FeesPaid: n(5), Unpaid: 6, NextDue_s: 7}
	var q poolState
	if err := q.UnmarshalRecord(p.MarshalRecord()); err != nil || q != p {
		t.Fatalf("pool %+v %v", q, err)
	}
}
