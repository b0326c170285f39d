package risk

import "fmt"

// This file is interim: it stands in for the exact attack search until that
// search is merged, so that the analytics built on Solve compile and can be
// tested. It answers by BruteForce, so it refuses (ErrTooLarge) any graph of
// more than MaxBruteForce operators and services. It is deleted when the
// real Solve arrives; callers use only the names declared here.

// SolveOptions tunes Solve. The interim search takes no options.
type SolveOptions struct{}

// Verdict is Solve's answer: Secure with a proof, or the most profitable
// attack (Profit > 0).
type Verdict struct {
	Secure bool
	Attack Attack
	Nodes  int64
	Proof  string
}

// Solve finds the most profitable attack on g, or reports that none is
// profitable. Interim: brute force, bounded by MaxBruteForce.
func Solve(g *Graph, _ SolveOptions) (Verdict, error) {
	best, found, err := BruteForce(g)
	if err != nil {
		return Verdict{}, err
	}
	nodes := int64(1) << (len(g.OperatorIDs) + len(g.ServiceIDs))
	if !found || best.Profit.Sign() <= 0 {
		return Verdict{Secure: true, Nodes: nodes, Proof: fmt.Sprintf("exhaustive: %d pairs tried", nodes)}, nil
	}
	return Verdict{Attack: best, Nodes: nodes}, nil
}
