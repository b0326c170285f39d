package api

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/store"
)

// sumInts adds decimal strings (test values are small and valid).
func sumInts(t *testing.T, vals ...string) num.Int {
	t.Helper()
	var total num.Int
	for _, v := range vals {
		x, err := num.ParseInt(v)
		if err != nil {
			t.Fatal(err)
		}
		if total, err = total.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	return total
}

func programIDs(ps []Program) []uint64 {
	out := make([]uint64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func checkPrograms(wantIDs []uint64, wantNext string) func(*testing.T, []byte) {
	return func(t *testing.T, b []byte) {
		p := decode[Programs](t, b)
		if !slices.Equal(programIDs(p.Programs), wantIDs) || p.Next != wantNext || p.Height != 20 {
			t.Errorf("programs %+v, want ids %v next %q", p, wantIDs, wantNext)
		}
		if len(wantIDs) == 0 && !bytes.Contains(b, []byte(`"programs":[]`)) {
			t.Errorf("want an empty list: %s", b)
		}
	}
}

// TestProgramRoutes reads the apitest.Rewards chain's programs (see its doc).
func TestProgramRoutes(t *testing.T) {
	c := apitest.NewRewards(t)
	h := New(c.App, nil, nil).Handler()
	runCases(t, h, []routeCase{
		{name: "programs", path: "/v1/programs", status: 200, check: checkPrograms([]uint64{2, 1}, "")},
		{name: "programs first page", path: "/v1/programs?limit=1", status: 200, check: checkPrograms([]uint64{2}, "2")},
		{name: "programs next page", path: "/v1/programs?limit=1&before=2", status: 200, check: checkPrograms([]uint64{1}, "")},
		{name: "programs of oracle", path: "/v1/programs?service=oracle", status: 200, check: checkPrograms([]uint64{1}, "")},
		{name: "programs of a service without any", path: "/v1/programs?service=nope", status: 200, check: checkPrograms(nil, "")},
		{name: "programs bad service", path: "/v1/programs?service=Oracle", status: 400, rule: "bad-name"},
		{name: "programs bad cursor", path: "/v1/programs?before=x", status: 400, rule: "bad-cursor"},
		{name: "programs bad limit", path: "/v1/programs?limit=0", status: 400, rule: "bad-limit"},
		{name: "program ended", path: "/v1/programs/1", status: 200, check: func(t *testing.T, b []byte) {
			p := decode[ProgramResponse](t, b).Program
			if p.Service != "oracle" || p.Denom != "stake" || p.Amount != "1000" || p.Status != "ended" || p.Funder != alice.String() ||
				p.Duration_s != apitest.OracleDuration_s || p.Escrowed != "0" || p.Emitted != "1000" || p.ClosedAt == "" {
				t.Fatalf("program %+v", p)
			}
			if got := sumInts(t, p.Credited, p.Unassigned); got.String() != "1000" || p.Refunded != p.Unassigned {
				t.Errorf("books: credited %s + unassigned %s, refunded %s", p.Credited, p.Unassigned, p.Refunded)
			}
			if p.EndAt <= p.StartAt || p.StartAt != p.CreatedAt {
				t.Errorf("schedule %s..%s, created %s", p.StartAt, p.EndAt, p.CreatedAt)
			}
		}},
		{name: "program cancelled", path: "/v1/programs/2", status: 200, check: func(t *testing.T, b []byte) {
			p := decode[ProgramResponse](t, b).Program
			if p.Service != "bridge" || p.Status != "cancelled" || p.Escrowed != "0" || p.Refunded == "0" || p.Credited == "0" {
				t.Fatalf("program %+v", p)
			}
			if got := sumInts(t, p.Credited, p.Refunded); got.String()+p.Denom != apitest.BridgeProgram {
				t.Errorf("credited %s + refunded %s != %s", p.Credited, p.Refunded, apitest.BridgeProgram)
			}
		}},
		{name: "program unknown", path: "/v1/programs/9", status: 404, rule: "not-found"},
		{name: "program bad id", path: "/v1/programs/0", status: 400, rule: "bad-id"},
	})
}

// TestRewardsServiceStreams: /v1/rewards shows every service stream
// restaking.PendingService reports, one per (service, denom, role,
// operator, asset), with the APR restaking.Yields gives staker streams;
// the total includes them.
func TestRewardsServiceStreams(t *testing.T) {
	c := apitest.NewRewards(t)
	h := New(c.App, nil, nil).Handler()
	for _, who := range []struct {
		name string
		role string
	}{{"alice", restaking.RoleStaker}, {"val", restaking.RoleOperator}} {
		t.Run(who.name, func(t *testing.T) {
			addr := map[string]string{"alice": alice.String(), "val": val.String()}[who.name]
			rec := do(t, h, "GET", "/v1/rewards/"+addr, "")
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			r := decode[Rewards](t, rec.Body.Bytes())
			got := serviceOnly(r)
			want, yields := pendingService(t, c.App.Read, addr, c.Time.Unix())
			aprs := make([]string, len(got))
			for i := range got {
				aprs[i], got[i].APR = got[i].APR, ""
			}
			if len(want) == 0 || !reflect.DeepEqual(got, want) {
				t.Fatalf("service streams\n got %+v\nwant %+v", got, want)
			}
			for i, s := range got {
				if s.Role != who.role || s.Stream != "service:"+s.Service || s.Operator != val.String() {
					t.Errorf("stream %+v", s)
				}
				if wantAPR := yieldOf(yields, s); aprs[i] != wantAPR || (s.Role == restaking.RoleStaker) == (aprs[i] == "") {
					t.Errorf("stream %+v: apr %q, want %q", s, aprs[i], wantAPR)
				}
			}
			if r.Stake != yields.Stake.String() || r.APR != decText(yields.APR) || (r.APR == "") != (who.role == restaking.RoleOperator) {
				t.Errorf("account stake %s apr %q, want %s %q", r.Stake, r.APR, yields.Stake, decText(yields.APR))
			}
		})
	}
}

// yieldOf is the APR Yields gives the staker service stream s ("" if none).
func yieldOf(y restaking.AccountYield, s RewardStream) string {
	for _, sy := range y.Streams {
		if sy.Kind == restaking.StreamService && s.Role == restaking.RoleStaker && sy.Service == s.Service &&
			sy.Operator.String() == s.Operator && sy.Asset == s.Asset && sy.Denom == s.Denom {
			return decText(sy.APR)
		}
	}
	return ""
}

// serviceOnly keeps the service streams of an answer.
func serviceOnly(r Rewards) []RewardStream {
	var out []RewardStream
	for _, s := range r.Streams {
		if s.Service != "" {
			out = append(out, s)
		}
	}
	return out
}

// pendingService is what the API should show, read from the library, and
// the account's yield view at now_s.
func pendingService(t *testing.T, read func(func(store.Reader, int64)), addr string, now_s int64) ([]RewardStream, restaking.AccountYield) {
	t.Helper()
	a, err := account.Parse(addr)
	if err != nil {
		t.Fatal(err)
	}
	var out []RewardStream
	var y restaking.AccountYield
	read(func(r store.Reader, _ int64) {
		list, err := restaking.PendingService(r, a)
		if err != nil {
			t.Fatal(err)
		}
		if y, err = restaking.Yields(r, a, now_s); err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			out = append(out, RewardStream{Stream: "service:" + x.Service, Pending: []Coin{{Denom: x.Denom, Amount: x.Amount.String()}},
				Service: x.Service, Denom: x.Denom, Role: x.Role, Operator: x.Operator.String(), Asset: x.Asset})
		}
	})
	return out, y
}
