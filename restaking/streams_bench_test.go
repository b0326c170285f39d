package restaking

import (
	"fmt"
	"testing"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// BenchmarkLargeVaultSettle: what a deposit into the largest vault the
// bounds allow does to its reward streams before the shares change — pull
// the vault (64 weighted services × 8 denoms = 512 live streams, each with
// new rewards) and settle a position holding all 1536 streams
// (MaxStreamsPerVault: 192 services × 8 denoms). In-memory store, one
// write buffer per iteration.
//
//	go test ./restaking -run '^$' -bench LargeVaultSettle -benchtime 200x
func BenchmarkLargeVaultSettle(b *testing.B) {
	base := store.NewMem()
	op, staker := benchAddr(1), benchAddr(2)
	vv := vaultView{op: op, asset: Asset{Denom: "usdc", Kind: KindPriced}, v: Vault{MaxMag: num.OneDec(), Scaled: mustMul(num.NewInt(1000), rewards.Scale)}}
	const services, live, denoms = MaxStreamsPerVault / MaxRewardDenomsPerService, MaxAllocationsPerVault, MaxRewardDenomsPerService
	var set streamSet
	var pos posStreams
	for s := range services {
		svc := fmt.Sprintf("s%03d", s)
		if s < live {
			state.PutAmount(base, weightKey(op, "usdc", svc), num.NewInt(1000))
		}
		for d := range denoms {
			denom := fmt.Sprintf("rw%d", d)
			base.Set(streamDenomKey(svc, denom), []byte{})
			state.Put(base, serviceAccKey(svc, "usdc", denom), &serviceAcc{Acc: num.NewInt(1 << 40)})
			set.list = append(set.list, vaultStream{svc: svc, denom: denom, allocStream: allocStream{Snap: num.NewInt(1 << 40), Acc: num.NewInt(1 << 50)}})
			pos.list = append(pos.list, posStreamEntry{svc: svc, denom: denom, posStream: posStream{Snap: num.NewInt(1 << 49)}})
		}
	}
	set.save(base, op, "usdc")
	state.Put(base, posStreamsKey(staker, op, "usdc"), &pos)
	var sink []state.Event
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		kv := store.NewOverlay(base)
		for s := range live {
			for d := range denoms {
				state.Put(kv, serviceAccKey(fmt.Sprintf("s%03d", s), "usdc", fmt.Sprintf("rw%d", d)), &serviceAcc{Acc: num.NewInt(1<<40 + uint64(i+1)<<30)})
			}
		}
		ctx := state.NewCtx(kv, 1, 1, "", &sink)
		got, err := pullVault(ctx, vv)
		if err == nil {
			err = settlePosition(kv, staker, vv, &got, num.NewInt(1000))
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
