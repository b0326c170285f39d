package risk

import (
	"bytes"
	"encoding/json"
	"math/big"
	"sort"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	opt := GenOptions{Operators: 200, Services: 10, Seed: 42, Variant: "elastic"}
	a, err := Generate(opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(opt)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("same options, different networks")
	}
	opt.Seed++
	c, _ := Generate(opt)
	if jc, _ := json.Marshal(c); bytes.Equal(ja, jc) {
		t.Fatal("different seeds, same network")
	}
	// The file format holds the network exactly.
	var back Network
	if err := json.Unmarshal(ja, &back); err != nil {
		t.Fatal(err)
	}
	if jback, _ := json.Marshal(&back); !bytes.Equal(ja, jback) {
		t.Fatal("JSON round trip changed the network")
	}
}

func TestGenerateRefuses(t *testing.T) {
	for _, opt := range []GenOptions{
		{Operators: 0, Services: 1, Variant: "unique"},
		{Operators: 1, Services: 0, Variant: "unique"},
		{Operators: 1, Services: GenMaxServices + 1, Variant: "unique"},
		{Operators: 1, Services: 1, Variant: "partial"},
	} {
		if _, err := Generate(opt); err == nil {
			t.Fatalf("%+v accepted", opt)
		}
	}
}

// TestGenerateShape checks the promised statistics and each variant's rule
// on 2000 × 50 networks.
func TestGenerateShape(t *testing.T) {
	for _, variant := range []string{"unique", "elastic", "full"} {
		for seed := int64(1); seed <= 3; seed++ {
			n, err := Generate(GenOptions{Operators: 2000, Services: 50, Seed: seed, Variant: variant})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Validate(); err != nil {
				t.Fatal(err)
			}
			checkTopShare(t, n)
			checkVariant(t, n, variant)
			checkMembership(t, n)
		}
	}
}

func checkTopShare(t *testing.T, n *Network) {
	t.Helper()
	stakes := make([]*big.Rat, len(n.Operators))
	total := new(big.Rat)
	for i, o := range n.Operators {
		stakes[i] = o.Stake
		total.Add(total, o.Stake)
	}
	sort.Slice(stakes, func(i, j int) bool { return stakes[i].Cmp(stakes[j]) > 0 })
	top := new(big.Rat)
	for _, s := range stakes[:7] {
		top.Add(top, s)
	}
	share := new(big.Rat).Quo(top, total)
	if share.Cmp(q("0.70")) < 0 || share.Cmp(q("0.80")) > 0 {
		t.Fatalf("top-7 share %s outside [0.70, 0.80]", share.FloatString(3))
	}
}

func checkVariant(t *testing.T, n *Network, variant string) {
	t.Helper()
	stake := map[string]*big.Rat{}
	sum := map[string]*big.Rat{}
	for _, o := range n.Operators {
		stake[o.ID], sum[o.ID] = o.Stake, new(big.Rat)
	}
	for _, a := range n.Allocations {
		if variant == "full" && a.Amount.Cmp(stake[a.Operator]) != 0 {
			t.Fatalf("full: %s→%s is %v, not the stake %v", a.Operator, a.Service, a.Amount, stake[a.Operator])
		}
		if !a.Amount.IsInt() || a.Amount.Sign() <= 0 {
			t.Fatalf("amount %v", a.Amount)
		}
		sum[a.Operator].Add(sum[a.Operator], a.Amount)
	}
	limit := map[string]*big.Rat{"unique": q("1"), "elastic": q("3")}[variant]
	for id, s := range sum {
		if limit != nil && s.Cmp(new(big.Rat).Mul(limit, stake[id])) > 0 {
			t.Fatalf("%s: %s allocates %v of %v", variant, id, s, stake[id])
		}
	}
}

// checkMembership: at most GenMaxPerService operators per service, the 7
// largest operators in most services, most small ones in 1 to 3.
func checkMembership(t *testing.T, n *Network) {
	t.Helper()
	per := map[string]int{}
	joined := map[string]int{}
	for _, a := range n.Allocations {
		per[a.Service]++
		joined[a.Operator]++
	}
	for s, c := range per {
		if c > GenMaxPerService {
			t.Fatalf("%s has %d operators", s, c)
		}
	}
	for _, o := range n.Operators[:7] { // generated in descending stake
		if joined[o.ID] < len(n.Services)*6/10 {
			t.Fatalf("large operator %s in only %d services", o.ID, joined[o.ID])
		}
	}
	for _, o := range n.Operators[len(n.Operators)/2:] {
		if joined[o.ID] > 3 {
			t.Fatalf("small operator %s in %d services", o.ID, joined[o.ID])
		}
	}
}

// TestGenerateNearBoundary: π spans three orders of magnitude, and across
// seeds some networks are certified and some are not.
func TestGenerateNearBoundary(t *testing.T) {
	certified := 0
	for seed := int64(1); seed <= 20; seed++ {
		n, err := Generate(GenOptions{Operators: 300, Services: 20, Seed: seed, Variant: "unique"})
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := n.Services[0].PfC, n.Services[0].PfC
		for _, s := range n.Services {
			if s.PfC.Cmp(lo) < 0 {
				lo = s.PfC
			}
			if s.PfC.Cmp(hi) > 0 {
				hi = s.PfC
			}
		}
		if new(big.Rat).Quo(hi, lo).Cmp(q("300")) < 0 {
			t.Fatalf("seed %d: π spans only %v to %v", seed, lo, hi)
		}
		g, _ := Compile(n)
		if Slack(g).Certified {
			certified++
		}
	}
	if certified == 0 || certified == 20 {
		t.Fatalf("%d of 20 seeds certified: not near the boundary", certified)
	}
}
