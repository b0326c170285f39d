package api

import (
	"reflect"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
)

func dec(s string) *num.Dec { d := num.MustDec(s); return &d }

func TestWithYields(t *testing.T) {
	var op, v2 account.Address
	op[0], v2[0] = 1, 2
	ops := op.String()
	staking := stream{view: RewardStream{Stream: StreamStaking}, pending: coin.Coins{}}
	native := stream{view: RewardStream{Stream: StreamNativePrefix + ops, Denom: "stake", Operator: ops, Asset: "stake"}}
	svc := func(role string) stream {
		return stream{view: RewardStream{Stream: "service:oracle", Service: "oracle", Denom: "usdc", Role: role, Operator: ops, Asset: "ststake"}}
	}
	primary := func(v account.Address, stake uint64, apr *num.Dec) restaking.StreamYield {
		return restaking.StreamYield{Kind: restaking.StreamPrimary, Operator: v, Asset: "stake", Denom: "stake", Stake: num.NewInt(stake), APR: apr}
	}
	svcYield := restaking.StreamYield{Kind: restaking.StreamService, Service: "oracle", Operator: op, Asset: "ststake", Denom: "usdc", APR: dec("0.12")}
	withAPR := func(s stream, apr string) stream { s.view.APR = apr; return s }
	cases := []struct {
		name   string
		in     []stream
		yields []restaking.StreamYield
		want   []stream
	}{
		{"nothing known", []stream{staking, svc("staker")}, nil, []stream{staking, svc("staker")}},
		{"staker stream gets its apr, commission none",
			[]stream{staking, svc("staker"), svc("operator")}, []restaking.StreamYield{svcYield},
			[]stream{staking, withAPR(svc("staker"), "0.12"), svc("operator")}},
		{"native stream", []stream{staking, native},
			[]restaking.StreamYield{{Kind: restaking.StreamNative, Operator: op, Asset: "stake", Denom: "stake", APR: dec("0.07")}},
			[]stream{staking, withAPR(native, "0.07")}},
		{"a stream with nothing pending is listed", []stream{staking}, []restaking.StreamYield{svcYield},
			[]stream{staking, {view: RewardStream{Stream: "service:oracle", Service: "oracle", Denom: "usdc", Role: "staker",
				Operator: ops, Asset: "ststake", APR: "0.12"}, pending: coin.Coins{}}}},
		{"staking is stake-weighted", []stream{staking},
			[]restaking.StreamYield{primary(op, 300, dec("0.1")), primary(v2, 100, dec("0.3"))},
			[]stream{withAPR(staking, "0.15")}},
		{"staking unknown while one delegation's is", []stream{staking},
			[]restaking.StreamYield{primary(op, 300, dec("0.1")), primary(v2, 100, nil)}, []stream{staking}},
		{"staking rounds down", []stream{staking},
			[]restaking.StreamYield{primary(op, 2, dec("0.1")), primary(v2, 1, dec("0"))},
			[]stream{withAPR(staking, "0.066666666666666666")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]stream(nil), tc.in...)
			got := withYields(in, restaking.AccountYield{Streams: tc.yields})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestProgramView(t *testing.T) {
	base := restaking.Program{ID: 3, Service: "oracle", Denom: "usdc", Amount: num.NewInt(1000), Emitted: num.NewInt(400),
		Credited: num.NewInt(390), Unassigned: num.NewInt(10), Start_s: 1_767_225_600, Duration_s: 100, Created_s: 1_767_225_500,
		Status: restaking.ProgramActive}
	waiting := base
	waiting.StartHeight, waiting.Emitted, waiting.Credited, waiting.Unassigned = 77, num.Int{}, num.Int{}, num.Int{}
	cases := []struct {
		name               string
		in                 restaking.Program
		start, end, escrow string
		startHeight        int64
	}{
		{"running", base, "2026-01-01T00:00:00Z", "2026-01-01T00:01:40Z", "600", 0},
		{"waiting for a height", waiting, "", "", "1000", 77},
	}
	for _, tc := range cases {
		v := programView(tc.in)
		if v.StartAt != tc.start || v.EndAt != tc.end || v.Escrowed != tc.escrow || v.StartHeight != tc.startHeight ||
			v.CreatedAt != "2025-12-31T23:58:20Z" || v.Status != "active" || v.ClosedAt != "" {
			t.Errorf("%s: %+v", tc.name, v)
		}
	}
}
