package restaking_test

import (
	"testing"

	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/state"
)

// Risk queries on live state (docs/PERFORMANCE.md, "Risk on live state"):
//
//	go test ./restaking -run '^$' -bench 'Exposure|SecurityNetwork' -benchtime 2000x
//
// The state is buildRewardScale's: 10,000 operators in 50 services on
// Pebble with 100,000 stakers' positions, plus one account with ten
// positions (ten operators of ten services).

func exposureScale(b *testing.B) *h {
	x := buildRewardScale(b, 100_000, 0)
	who := scaleAddr("exposed", 0)
	stake := coin.New("usdc", num.NewInt(1_000_000))
	x.inject(func(ctx state.Ctx, p params.Params) error {
		if err := bank.GenesisBalances(ctx.KV, who, coin.Coins{coin.New("usdc", num.NewInt(10_000_000))}); err != nil {
			return err
		}
		for i := range 10 {
			if _, err := restaking.Deposit(ctx, p, who, scaleAddr("op", i*scaleOpsPerService*5), stake); err != nil {
				return err
			}
		}
		return nil
	})
	x.advance(block_s)
	return x
}

func BenchmarkExposure100kPositions(b *testing.B) {
	x := exposureScale(b)
	who := scaleAddr("exposed", 0)
	r := x.c.Committed()
	b.ResetTimer()
	for range b.N {
		e, err := restaking.AccountExposure(r, who, x.time)
		if err != nil || len(e.Positions) != 10 || len(e.Services) != 10 {
			b.Fatal(len(e.Positions), len(e.Services), err)
		}
	}
}

func BenchmarkSecurityNetwork10kOperators(b *testing.B) {
	x := exposureScale(b)
	r := x.c.Committed()
	b.ResetTimer()
	for range b.N {
		n, err := restaking.SecurityNetwork(r)
		if err != nil || len(n.Operators) != scaleOperators {
			b.Fatal(err)
		}
	}
}
