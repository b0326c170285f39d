package api

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/tx"
)

const day = 24 * time.Hour

// at is the RFC 3339 form of t + d, as the API writes times.
func at(t time.Time, d time.Duration) string { return unixTime(t.Add(d).Unix()) }

// TestRestakingRoutes reads every restaking route of the apitest.Restaking
// chain (see its doc for what happened in which block) and checks the
// values against what the transactions must have done.
func TestRestakingRoutes(t *testing.T) {
	c := apitest.NewRestaking(t)
	last := c.Time // block 6: slash #2 requested, withdrawal #1 queued
	h := New(c.App, nil, nil).Handler()
	runCases(t, h, []routeCase{
		{name: "operators", path: "/v1/operators", status: 200, check: func(t *testing.T, b []byte) {
			ops := decode[Operators](t, b)
			if ops.Height != 6 || len(ops.Operators) != 1 || ops.Next != "" {
				t.Fatalf("operators %+v", ops)
			}
			o := ops.Operators[0]
			if o.Address != val.String() || !o.Validator || o.Degree != 1 || o.AllocationDelay_s != 0 || o.Services != 2 ||
				o.Metadata != "val operator" || o.Commission != "0" || o.Pending == nil {
				t.Fatalf("operator %+v", o)
			}
			// allocation_config_delay (17d) after the update in block 6.
			if p := *o.Pending; p.AllocationDelay_s != 86400 || p.Degree != 1 || p.EffectiveAt != at(last, 17*day) {
				t.Errorf("pending change %+v", p)
			}
		}},
		{name: "operators after the last", path: "/v1/operators?after=" + val.String(), status: 200, check: func(t *testing.T, b []byte) {
			if ops := decode[Operators](t, b); len(ops.Operators) != 0 || ops.Next != "" || !bytes.Contains(b, []byte(`"operators":[]`)) {
				t.Errorf("operators %s", b)
			}
		}},
		{name: "operators bad cursor", path: "/v1/operators?after=val", status: 400, rule: "bad-address"},
		{name: "operators zero limit", path: "/v1/operators?limit=0", status: 400, rule: "bad-limit"},
		{name: "operators bad limit", path: "/v1/operators?limit=ten", status: 400, rule: "bad-limit"},
		{name: "operators limit is capped", path: "/v1/operators?limit=99999999999", status: 200, check: func(t *testing.T, b []byte) {
			if ops := decode[Operators](t, b); len(ops.Operators) != 1 || ops.Next != "" {
				t.Errorf("operators %+v", ops)
			}
		}},
		{name: "operators limit overflows", path: "/v1/operators?limit=99999999999999999999", status: 400, rule: "bad-limit"},
		{name: "operator", path: "/v1/operators/" + val.String(), status: 200, check: func(t *testing.T, b []byte) {
			o := decode[OperatorResponse](t, b)
			wantStake := []AssetStake{{"stake", "3200", "3200"}, {"ststake", "9000", "9000"}}
			if o.Operator.Address != val.String() || !slices.Equal(o.Stake, wantStake) {
				t.Errorf("operator %+v, stake want %+v", o, wantStake)
			}
			// By asset, then service; bridge's cut to 0.3 waits deallocation_delay (14d).
			want := []Allocation{
				{Service: "oracle", Asset: "stake", Magnitude: "0.8", EffectiveMagnitude: "0.8", Stake: "3200", Commission: "0"},
				{Service: "bridge", Asset: "ststake", Magnitude: "0.5", EffectiveMagnitude: "0.5", Stake: "4500", Commission: "0",
					Pending: &PendingAllocation{Magnitude: "0.3", EffectiveAt: at(last, 14*day)}},
				{Service: "oracle", Asset: "ststake", Magnitude: "0.5", EffectiveMagnitude: "0.5", Stake: "4500", Commission: "0"},
			}
			checkAllocations(t, o.Allocations, want)
		}},
		{name: "operator unknown", path: "/v1/operators/" + bob.String(), status: 404, rule: "not-found"},
		{name: "operator bad address", path: "/v1/operators/val", status: 400, rule: "bad-address"},
		{name: "services", path: "/v1/services", status: 200, check: func(t *testing.T, b []byte) {
			s := decode[Services](t, b)
			if len(s.Services) != 2 || s.Services[0].Name != "bridge" || s.Services[1].Name != "oracle" || s.Next != "" {
				t.Errorf("services %+v", s)
			}
		}},
		{name: "services first page", path: "/v1/services?limit=1", status: 200, check: func(t *testing.T, b []byte) {
			if s := decode[Services](t, b); len(s.Services) != 1 || s.Services[0].Name != "bridge" || s.Next != "bridge" {
				t.Errorf("services %+v", s)
			}
		}},
		{name: "services next page", path: "/v1/services?limit=1&after=bridge", status: 200, check: func(t *testing.T, b []byte) {
			if s := decode[Services](t, b); len(s.Services) != 1 || s.Services[0].Name != "oracle" || s.Next != "" {
				t.Errorf("services %+v", s)
			}
		}},
		{name: "services bad cursor", path: "/v1/services?after=Bridge", status: 400, rule: "bad-cursor"},
		{name: "service oracle", path: "/v1/services/oracle", status: 200, check: func(t *testing.T, b []byte) {
			s := decode[ServiceResponse](t, b).Service
			if s.Admin != alice.String() || s.Slasher != alice.String() || s.Resolver != "" || s.VetoWindow_s != 0 ||
				s.Destination != "burn" || s.MaxSlashFraction != "1" || !slices.Equal(s.Assets, []string{"stake", "ststake"}) ||
				s.Policy != "open" || s.PfC != "5000" || s.Threshold != "0.5" || s.Metadata != "price oracle" || s.Members != 1 || s.Pending != nil {
				t.Errorf("oracle %+v", s)
			}
		}},
		{name: "service bridge", path: "/v1/services/bridge", status: 200, check: func(t *testing.T, b []byte) {
			s := decode[ServiceResponse](t, b).Service
			if s.Resolver != bob.String() || s.VetoWindow_s != 86400 || s.Destination != bob.String() || s.MaxSlashFraction != "0.5" ||
				s.Policy != "allowlist" || !slices.Equal(s.Assets, []string{"ststake"}) || s.PfC != "2000" || s.Threshold != "0.67" {
				t.Errorf("bridge %+v", s)
			}
		}},
		{name: "service unknown", path: "/v1/services/nope", status: 404, rule: "not-found"},
		{name: "service bad name", path: "/v1/services/Oracle", status: 400, rule: "bad-name"},
		{name: "stake now", path: "/v1/services/oracle/stake", status: 200, check: func(t *testing.T, b []byte) {
			// The withdrawal left 9000ststake: oracle's 0.5 of it, and 0.8 × 4000stake.
			checkStake(t, b, 6, 6, "7700", "stake:0.8:3200:3200", "ststake:0.5:4500:4500")
		}},
		{name: "stake before allocating", path: "/v1/services/oracle/stake?height=3", status: 200, check: func(t *testing.T, b []byte) {
			checkStake(t, b, 6, 3, "0")
		}},
		{name: "stake when allocated", path: fmt.Sprintf("/v1/services/oracle/stake?height=%d", c.AllocHeight), status: 200, check: func(t *testing.T, b []byte) {
			checkStake(t, b, 6, c.AllocHeight, "9000", "stake:1:4000:4000", "ststake:0.5:5000:5000")
		}},
		{name: "stake after the slash", path: fmt.Sprintf("/v1/services/oracle/stake?height=%d", c.SlashHeight), status: 200, check: func(t *testing.T, b []byte) {
			checkStake(t, b, 6, c.SlashHeight, "8200", "stake:0.8:3200:3200", "ststake:0.5:5000:5000")
		}},
		{name: "stake bridge", path: "/v1/services/bridge/stake", status: 200, check: func(t *testing.T, b []byte) {
			checkStake(t, b, 6, 6, "4500", "ststake:0.5:4500:4500")
		}},
		{name: "stake above the last height", path: "/v1/services/oracle/stake?height=7", status: 400, rule: "bad-height"},
		{name: "stake height zero", path: "/v1/services/oracle/stake?height=0", status: 400, rule: "bad-height"},
		{name: "stake bad height", path: "/v1/services/oracle/stake?height=latest", status: 400, rule: "bad-height"},
		{name: "stake unknown service", path: "/v1/services/nope/stake", status: 404, rule: "not-found"},
		{name: "positions", path: "/v1/positions/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			p := decode[Positions](t, b)
			want := []Position{
				{Operator: val.String(), Asset: "stake", ScaledShares: "4000000000000000000000", Deposited: "4000", Withdrawable: "3200", Slashed: "800", MaxMagnitude: "0.8", Value: "3200"},
				{Operator: val.String(), Asset: "ststake", ScaledShares: "9000000000000000000000", Deposited: "9000", Withdrawable: "9000", Slashed: "0", MaxMagnitude: "1", Value: "9000"},
			}
			if p.Staker != alice.String() || !slices.Equal(p.Positions, want) {
				t.Errorf("positions %+v\nwant %+v", p.Positions, want)
			}
		}},
		{name: "no positions", path: "/v1/positions/" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			if !bytes.Contains(b, []byte(`"positions":[]`)) {
				t.Errorf("want an empty list: %s", b)
			}
		}},
		{name: "positions bad address", path: "/v1/positions/alice", status: 400, rule: "bad-address"},
		{name: "withdrawals", path: "/v1/withdrawals/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			w := decode[Withdrawals](t, b)
			if len(w.Withdrawals) != 1 || w.Next != "" {
				t.Fatalf("withdrawals %+v", w)
			}
			checkWithdrawal(t, w.Withdrawals[0], Withdrawal{ID: 1, Staker: alice.String(), Operator: val.String(), Asset: "ststake",
				ScaledShares: "1000000000000000000000", Principal: "1000", StartedAt: at(last, 0), DueAt: at(last, 14*day), Value: "1000"})
		}},
		{name: "withdrawals before the first", path: "/v1/withdrawals/" + alice.String() + "?before=1", status: 200, check: func(t *testing.T, b []byte) {
			if w := decode[Withdrawals](t, b); len(w.Withdrawals) != 0 {
				t.Errorf("withdrawals %+v", w)
			}
		}},
		{name: "withdrawals of another staker", path: "/v1/withdrawals/" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			if !bytes.Contains(b, []byte(`"withdrawals":[]`)) {
				t.Errorf("want an empty list: %s", b)
			}
		}},
		{name: "withdrawals bad cursor", path: "/v1/withdrawals/" + alice.String() + "?before=0", status: 400, rule: "bad-cursor"},
		{name: "withdrawals bad limit", path: "/v1/withdrawals/" + alice.String() + "?limit=-1", status: 400, rule: "bad-limit"},
		{name: "withdrawals bad address", path: "/v1/withdrawals/1", status: 400, rule: "bad-address"},
		{name: "withdrawal", path: "/v1/withdrawal/1", status: 200, check: func(t *testing.T, b []byte) {
			w := decode[WithdrawalResponse](t, b).Withdrawal
			if w.ID != 1 || w.Value != "1000" || w.Completable || w.Completed || w.CompletedAt != "" {
				t.Errorf("withdrawal %+v", w)
			}
		}},
		{name: "withdrawal unknown", path: "/v1/withdrawal/2", status: 404, rule: "not-found"},
		{name: "withdrawal id zero", path: "/v1/withdrawal/0", status: 400, rule: "bad-id"},
		{name: "withdrawal bad id", path: "/v1/withdrawal/" + alice.String(), status: 400, rule: "bad-id"},
		{name: "slashes", path: "/v1/slashes", status: 200, check: func(t *testing.T, b []byte) {
			s := decode[Slashes](t, b)
			if len(s.Slashes) != 2 || s.Slashes[0].ID != 2 || s.Slashes[1].ID != 1 || s.Next != "" {
				t.Fatalf("slashes %+v", s)
			}
			checkFirstSlash(t, s.Slashes[1], last)
			p := s.Slashes[0]
			// Pending: the resolver's window runs a day; the destination is the service's at execution.
			if p.Status != "pending" || p.Service != "bridge" || p.Fraction != "0.1" || !slices.Equal(p.Assets, []string{"ststake"}) ||
				p.RequestHeight != 6 || p.ExecuteAfter != at(last, day) || p.ExecutedAt != "" || len(p.Taken) != 0 ||
				p.Destination != "" || !bytes.Contains(b, []byte(`"taken":[]`)) {
				t.Errorf("pending slash %+v", p)
			}
		}},
		{name: "slashes first page", path: "/v1/slashes?limit=1", status: 200, check: func(t *testing.T, b []byte) {
			if s := decode[Slashes](t, b); len(s.Slashes) != 1 || s.Slashes[0].ID != 2 || s.Next != "2" {
				t.Errorf("slashes %+v", s)
			}
		}},
		{name: "slashes next page", path: "/v1/slashes?limit=1&before=2", status: 200, check: func(t *testing.T, b []byte) {
			if s := decode[Slashes](t, b); len(s.Slashes) != 1 || s.Slashes[0].ID != 1 || s.Next != "" {
				t.Errorf("slashes %+v", s)
			}
		}},
		{name: "slashes of an operator", path: "/v1/slashes?operator=" + val.String(), status: 200, check: func(t *testing.T, b []byte) {
			if s := decode[Slashes](t, b); len(s.Slashes) != 2 {
				t.Errorf("slashes %+v", s)
			}
		}},
		{name: "slashes of an operator before one", path: "/v1/slashes?before=2&operator=" + val.String(), status: 200, check: func(t *testing.T, b []byte) {
			if s := decode[Slashes](t, b); len(s.Slashes) != 1 || s.Slashes[0].ID != 1 {
				t.Errorf("slashes %+v", s)
			}
		}},
		{name: "slashes of an unslashed operator", path: "/v1/slashes?operator=" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			if !bytes.Contains(b, []byte(`"slashes":[]`)) {
				t.Errorf("want an empty list: %s", b)
			}
		}},
		{name: "slashes bad operator", path: "/v1/slashes?operator=val", status: 400, rule: "bad-address"},
		{name: "slashes bad cursor", path: "/v1/slashes?before=x", status: 400, rule: "bad-cursor"},
		{name: "slash", path: "/v1/slashes/1", status: 200, check: func(t *testing.T, b []byte) {
			checkFirstSlash(t, decode[SlashResponse](t, b).Slash, last)
		}},
		{name: "slash unknown", path: "/v1/slashes/3", status: 404, rule: "not-found"},
		{name: "slash bad id", path: "/v1/slashes/first", status: 400, rule: "bad-id"},
		{name: "assets", path: "/v1/assets", status: 200, check: func(t *testing.T, b []byte) {
			// The fixture's pool has earned nothing yet: ststake is worth 1.
			want := []Asset{{Denom: "stake", Kind: "native", Value: "1"}, {Denom: "ststake", Kind: "liquid", Value: "1"},
				{Denom: "usdc", Kind: "priced", Price: "0.5", Value: "0.5"}}
			if a := decode[Assets](t, b); !slices.Equal(a.Assets, want) {
				t.Errorf("assets %+v, want %+v", a.Assets, want)
			}
		}},
		{name: "invariants hold", path: "/v1/invariants", status: 200, check: func(t *testing.T, b []byte) {
			if inv := decode[Invariants](t, b); !inv.OK {
				t.Errorf("invariants: %s", inv.Error)
			}
		}},
	})
}

// checkFirstSlash checks slash #1: Val's stake, 0.2 of oracle's allocation
// of 1, burned in block 5 (five seconds before the last block).
func checkFirstSlash(t *testing.T, s Slash, last time.Time) {
	t.Helper()
	when := at(last, -5*time.Second)
	take := SlashTake{Asset: "stake", Magnitude: "0.2", MaxMagnitude: "0.8", Units: "800", FromQueued: "0", Amount: "800"}
	if s.ID != 1 || s.Service != "oracle" || s.Operator != val.String() || s.Fraction != "0.2" || s.Reason != apitest.SlashReason ||
		s.Status != "executed" || s.RequestedAt != when || s.ExecuteAfter != when || s.ExecutedAt != when || s.RequestHeight != 5 ||
		s.Destination != "burn" || s.ReleaseAt != "" || s.Claimed || len(s.Taken) != 1 || s.Taken[0] != take {
		t.Errorf("slash #1 %+v", s)
	}
}

func checkAllocations(t *testing.T, got, want []Allocation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("allocations %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if (g.Pending == nil) != (w.Pending == nil) || (g.Pending != nil && *g.Pending != *w.Pending) {
			t.Errorf("allocation %d pending %+v, want %+v", i, g.Pending, w.Pending)
		}
		g.Pending, w.Pending = nil, nil
		if g != w {
			t.Errorf("allocation %d %+v, want %+v", i, g, w)
		}
	}
}

func checkWithdrawal(t *testing.T, got, want Withdrawal) {
	t.Helper()
	if got != want {
		t.Errorf("withdrawal %+v\nwant %+v", got, want)
	}
}

// checkStake checks a stake history answer read at state height `state`
// for block `height`; entries are "asset:magnitude:amount:value", all of
// Val, which is opted in throughout.
func checkStake(t *testing.T, b []byte, state, height int64, total string, entries ...string) {
	t.Helper()
	s := decode[ServiceStake](t, b)
	var got []string
	for _, e := range s.Stake {
		if e.Operator != val.String() {
			t.Errorf("entry of %s", e.Operator)
		}
		got = append(got, e.Asset+":"+e.Magnitude+":"+e.Amount+":"+e.Value)
	}
	if s.AtHeight != height || s.Height != state || s.Total != total || !slices.Equal(got, entries) ||
		!slices.Equal(s.Operators, []string{val.String()}) {
		t.Errorf("stake at %d: %s\nwant total %s, %v", height, b, total, entries)
	}
}

// TestRestakingLifecycle carries the Restaking chain on: the vetoable
// slash is executed after its window (taking from the queued withdrawal
// too), the withdrawal and the escrowed slash are paid out, and scheduled
// changes come into force — each step read back through the API.
func TestRestakingLifecycle(t *testing.T) {
	c := apitest.NewRestaking(t)
	queued := c.Time
	h := New(c.App, nil, nil).Handler()
	get := func(path string) []byte {
		t.Helper()
		rec := do(t, h, "GET", path, "")
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}

	c.Advance(day)
	c.MustBlock(t, c.Tx(t, apitest.Bob, &tx.MsgExecuteSlash{Signer: bob.String(), Id: 2}))
	executed := c.Time
	// 0.1 of bridge's 0.5 is 0.05 of the vault: 450 from the 9000 active
	// units and 50 from the 1000 queued within withdrawal_delay, escrowed
	// for Bob until slash_resolution_delay (7d) has passed.
	s := decode[SlashResponse](t, get("/v1/slashes/2")).Slash
	take := SlashTake{Asset: "ststake", Magnitude: "0.05", MaxMagnitude: "0.95", Units: "500", FromQueued: "50", Amount: "500"}
	if s.Status != "executed" || s.ExecutedAt != at(executed, 0) || s.Destination != bob.String() ||
		s.ReleaseAt != at(executed, 7*day) || s.Claimed || len(s.Taken) != 1 || s.Taken[0] != take {
		t.Fatalf("executed slash %+v", s)
	}
	if w := decode[WithdrawalResponse](t, get("/v1/withdrawal/1")).Withdrawal; w.Value != "950" || w.Completable {
		t.Errorf("slashed withdrawal %+v", w)
	}
	if p := decode[Positions](t, get("/v1/positions/"+alice.String())).Positions; p[1].Withdrawable != "8550" || p[1].Slashed != "450" || p[1].MaxMagnitude != "0.95" {
		t.Errorf("slashed position %+v", p[1])
	}
	// History does not move: block 6 still shows what bridge could slash then.
	checkStake(t, get("/v1/services/bridge/stake?height=6"), 7, 6, "4500", "ststake:0.5:4500:4500")

	c.Advance(14 * day)
	c.MustBlock(t, c.Tx(t, apitest.Alice, &tx.MsgCompleteWithdrawal{Staker: alice.String(), Id: 1}),
		c.Tx(t, apitest.Bob, &tx.MsgClaimRedistribution{Recipient: bob.String(), Id: 2}))
	w := decode[WithdrawalResponse](t, get("/v1/withdrawal/1")).Withdrawal
	checkWithdrawal(t, w, Withdrawal{ID: 1, Staker: alice.String(), Operator: val.String(), Asset: "ststake", ScaledShares: "1000000000000000000000",
		Principal: "1000", StartedAt: at(queued, 0), DueAt: at(queued, 14*day), Completed: true, CompletedAt: at(c.Time, 0), Value: "950"})
	if s := decode[SlashResponse](t, get("/v1/slashes/2")).Slash; !s.Claimed {
		t.Errorf("claimed slash %+v", s)
	}
	wantCoins(t, decode[Balances](t, get("/v1/accounts/"+bob.String()+"/balances")).Balances, "980stake,500ststake")
	// Bridge's cut to 0.3 is in force, lowered by the slash's 0.05 too.
	o := decode[OperatorResponse](t, get("/v1/operators/"+val.String()))
	if a := o.Allocations[1]; a.Service != "bridge" || a.Magnitude != "0.25" || a.Pending != nil || a.Stake != "2250" {
		t.Errorf("bridge allocation %+v", a)
	}
	if o.Operator.Pending == nil {
		t.Errorf("the allocation delay change is due only after 17 days: %+v", o.Operator)
	}

	c.Advance(2 * day)
	c.MustBlock(t)
	if o := decode[OperatorResponse](t, get("/v1/operators/"+val.String())).Operator; o.Pending != nil || o.AllocationDelay_s != 86400 {
		t.Errorf("due change not shown as in force: %+v", o)
	}
	if inv := decode[Invariants](t, get("/v1/invariants")); !inv.OK {
		t.Errorf("invariants: %s", inv.Error)
	}
}
