package risk

import (
	"bufio"
	"context"
	"fmt"
	"math/big"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cbcPath finds the CBC binary; without it the test is skipped unless
// RESTAKED_REQUIRE_CBC=1 (CI sets it, so a missing solver fails there).
func cbcPath(t testing.TB) string {
	path, err := exec.LookPath("cbc")
	if err != nil {
		if os.Getenv("RESTAKED_REQUIRE_CBC") == "1" {
			t.Fatalf("cbc not found and RESTAKED_REQUIRE_CBC=1: %v", err)
		}
		t.Skip("cbc not on PATH (Debian: apt-get install coinor-cbc)")
	}
	return path
}

// cbcResult is what CBC reported: its status line, objective and the
// attack read back from its 0/1 values.
type cbcResult struct {
	optimal   bool
	objective *big.Rat
	services  []int
	operators []int
}

// runCBC writes g's program, solves it with at most limit seconds of CBC
// and reads the solution file.
func runCBC(t testing.TB, cbc string, g *Graph, limit time.Duration) cbcResult {
	t.Helper()
	dir := t.TempDir()
	lpFile, solFile := filepath.Join(dir, "attack.lp"), filepath.Join(dir, "attack.sol")
	f, err := os.Create(lpFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteLP(f, g); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// CBC gets its own time limit plus a margin before it is killed. The
	// feasibility pump is off: in CBC 2.10.8 it aborts on some of these
	// programs (a failed assertion in ClpNonLinearCost).
	ctx, cancel := context.WithTimeout(context.Background(), 2*limit+30*time.Second)
	defer cancel()
	secs := fmt.Sprint(int(limit.Seconds()))
	out, err := exec.CommandContext(ctx, cbc, lpFile, "sec", secs, "feas", "off", "solve", "solution", solFile).CombinedOutput()
	if ctx.Err() != nil {
		return cbcResult{} // CBC ran past its limit and the margin: not finished
	}
	if err != nil {
		t.Fatalf("cbc: %v\n%s", err, out)
	}
	res, err := readCBCSolution(solFile, g)
	if err != nil {
		t.Fatalf("reading cbc solution: %v\n%s", err, out)
	}
	return res
}

// readCBCSolution parses "Optimal - objective value 6.00000000" and the
// lines "index name value reduced-cost" that follow.
func readCBCSolution(path string, g *Graph) (cbcResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return cbcResult{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return cbcResult{}, fmt.Errorf("empty solution file")
	}
	head := sc.Text()
	var res cbcResult
	res.optimal = strings.HasPrefix(head, "Optimal")
	i := strings.LastIndex(head, "objective value ")
	if i < 0 {
		return res, fmt.Errorf("no objective in %q", head)
	}
	obj, ok := new(big.Rat).SetString(strings.TrimSpace(head[i+len("objective value "):]))
	if !ok {
		return res, fmt.Errorf("objective in %q", head)
	}
	res.objective = obj
	svc, op := lpIndex(g)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 3 || fs[2] == "0" {
			continue
		}
		if s, ok := svc[fs[1]]; ok {
			res.services = append(res.services, s)
		} else if v, ok := op[fs[1]]; ok {
			res.operators = append(res.operators, v)
		}
	}
	return res, sc.Err()
}

// lpIndex maps the program's x and y names back to indices.
func lpIndex(g *Graph) (svc, op map[string]int) {
	svc, op = map[string]int{}, map[string]int{}
	for s, id := range g.ServiceIDs {
		svc[lpName("x", id, s)] = s
	}
	for v, id := range g.OperatorIDs {
		op[lpName("y", id, v)] = v
	}
	return svc, op
}

// randMedium draws a network of 30–80 operators and 5–10 services with
// profits near each service's threshold stake, so that both secure and
// insecure networks come up, in all three allocation styles.
func randMedium(r *rand.Rand) *Network {
	n := &Network{}
	nOps, nSvcs := 30+r.Intn(51), 5+r.Intn(6)
	mode := r.Intn(3)
	for i := range nOps {
		st := int64(1 + r.Intn(100))
		if i < 4 {
			st *= 20
		}
		n.Operators = append(n.Operators, Operator{ID: fmt.Sprintf("op%d", i), Stake: big.NewRat(st, 1)})
	}
	alphas := []*big.Rat{big.NewRat(1, 3), big.NewRat(1, 2), big.NewRat(2, 3)}
	totals := make([]int64, nSvcs)
	for j := range nSvcs {
		n.Services = append(n.Services, Service{ID: fmt.Sprintf("svc%d", j), Threshold: alphas[r.Intn(3)]})
	}
	for i, o := range n.Operators {
		st := o.Stake.Num().Int64()
		deg := 1 + r.Intn(3)
		if i < 4 {
			deg = nSvcs
		}
		for _, j := range r.Perm(nSvcs)[:deg] {
			w := st
			switch mode {
			case 0:
				w = st / int64(deg)
			case 1:
				w = st * int64(1+r.Intn(4)) / 4
			}
			if w > 0 {
				totals[j] += w
				n.Allocations = append(n.Allocations, Allocation{o.ID, n.Services[j].ID, big.NewRat(w, 1)})
			}
		}
	}
	for j := range n.Services {
		a, _ := n.Services[j].Threshold.Float64()
		n.Services[j].PfC = big.NewRat(int64(float64(totals[j])*a*(0.3+1.2*r.Float64())), 1)
	}
	return n
}

// TestSolveMatchesCBC checks Solve's optimum against CBC's on the same
// program: equal when there is a profitable attack (exactly: the objective
// is an integer well inside float64's exact range), at most 0 when Solve
// says secure. CBC's own 0/1 solution is read back and priced exactly too.
func TestSolveMatchesCBC(t *testing.T) {
	cbc := cbcPath(t)
	r := rand.New(rand.NewSource(7))
	count := 16
	if testing.Short() {
		count = 4
	}
	insecure := 0
	defer func() { t.Logf("%d networks, %d with a profitable attack", count, insecure) }()
	for k := range count {
		g, err := Compile(randMedium(r))
		if err != nil {
			t.Fatal(err)
		}
		v, err := Solve(g, SolveOptions{})
		if err != nil {
			t.Fatalf("network %d: %v", k, err)
		}
		res := runCBC(t, cbc, g, 20*time.Second)
		if !res.optimal {
			t.Logf("network %d: cbc did not finish in its time limit; skipped", k)
			continue
		}
		checkCBC(t, k, g, v, res)
		if !v.Secure {
			insecure++
		}
	}
}

func checkCBC(t *testing.T, k int, g *Graph, v Verdict, res cbcResult) {
	t.Helper()
	scale, err := LPScale(g)
	if err != nil {
		t.Fatal(err)
	}
	if v.Secure {
		if res.objective.Sign() > 0 {
			t.Fatalf("network %d: Solve says secure, cbc finds objective %v", k, res.objective)
		}
		return
	}
	want := new(big.Rat).Mul(v.Attack.Profit, scale)
	if res.objective.Cmp(want) != 0 {
		t.Fatalf("network %d: cbc objective %v, Solve's profit × scale %v", k, res.objective, want)
	}
	p, ok := g.Profit(res.services, res.operators)
	if !ok || p.Cmp(v.Attack.Profit) != 0 {
		t.Fatalf("network %d: cbc's attack prices at %v (valid %v), Solve's at %v", k, p, ok, v.Attack.Profit)
	}
}
