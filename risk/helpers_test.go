package risk

import (
	"math/big"
	"testing"
)

// q parses a rational ("1/3", "0.5") for tests.
func q(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad rational " + s)
	}
	return r
}

// netSpec is a compact way to write small networks in tests: stakes by
// operator, services as (π, α), allocations as {op, svc, amount}.
type netSpec struct {
	stakes []string
	svcs   [][2]string
	allocs []allocSpec
}

type allocSpec struct {
	op, svc int
	amount  string
}

func (n netSpec) network() *Network {
	net := &Network{}
	for i, s := range n.stakes {
		net.Operators = append(net.Operators, Operator{opName(i), q(s)})
	}
	for i, s := range n.svcs {
		net.Services = append(net.Services, Service{svcName(i), q(s[0]), q(s[1])})
	}
	for _, a := range n.allocs {
		net.Allocations = append(net.Allocations, Allocation{opName(a.op), svcName(a.svc), q(a.amount)})
	}
	return net
}

func (n netSpec) graph(t testing.TB) *Graph {
	t.Helper()
	g, err := Compile(n.network())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func opName(i int) string  { return string(rune('a' + i)) }
func svcName(i int) string { return "s" + string(rune('0'+i)) }
