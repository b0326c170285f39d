package risk

// WriteLP writes the attack search as a mixed-integer program in CPLEX LP
// format, for checking Solve against a general MILP solver (CBC in
// cbc_test.go) and for anyone who wants to hand a network to one.
//
// Every value is first put on one integer scale (see intProblem): stakes,
// allocations and profits are multiplied by a common factor S and divided
// by their common divisor, so all coefficients are integers and the
// program's optimum is the best attack's profit × S. S is written in a
// comment line "\ scale: S" at the top of the file.
//
// Variables (names are a sanitised id plus the index, so they are unique):
//
//	x_s ∈ {0,1}  service s is attacked (s ∈ A)
//	y_v ∈ {0,1}  operator v is an attacker (v ∈ B)
//	c_v ≥ 0      what v loses
//	t_v ∈ {0,1}  v loses its whole stake (only when Σ_s w_vs > σ_v)
//
// Program:
//
//	maximise   Σ_s π_s x_s − Σ_v c_v
//	cover_s:   Σ_v w_vs y_v − need_s x_s ≥ 0     need_s = ⌈α_s W_s⌉
//	loss_v:    c_v − Σ_s w_vs x_s − M_v y_v (+ M_v t_v) ≥ −M_v
//	cap_v:     c_v − σ_v t_v ≥ 0
//	nonempty:  Σ_s x_s ≥ 1
//
// with M_v = Σ_s w_vs. The threshold is rounded up because coverage is a
// sum of integers: it reaches α_s W_s exactly when it reaches ⌈α_s W_s⌉.
// For y_v = 1 the loss rows force c_v ≥ Σ_{s∈A} w_vs unless t_v = 1, and
// then c_v ≥ σ_v: the cheapest choice is c_v = min(σ_v, Σ_{s∈A} w_vs). For
// y_v = 0 they allow c_v = 0 (M_v bounds the sum). Operators whose total
// allocation is within their stake never hit the cap and get no t_v.
//
// The file is exact as text, but a solver reading it works in floating
// point: with coefficients near 2^53 or beyond (values with many decimals
// at the common scale) its integrality and feasibility tolerances can hide
// several units, so cross-checks belong on networks of modest scale.

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// lpTermsPerLine keeps lines short; LP readers accept expressions that
// continue on the next line.
const lpTermsPerLine = 8

// WriteLP writes g's attack search as a CPLEX LP file.
func WriteLP(w io.Writer, g *Graph) error {
	if g == nil {
		return fmt.Errorf("%w: nil graph", ErrNetwork)
	}
	if len(g.ServiceIDs) == 0 {
		return fmt.Errorf("%w: no secured services, nothing to attack", ErrNetwork)
	}
	p, err := toInt(g)
	if err != nil {
		return err
	}
	lw := &lpWriter{w: bufio.NewWriter(w), p: p, g: g}
	lw.write()
	if lw.err != nil {
		return lw.err
	}
	return lw.w.Flush()
}

type lpWriter struct {
	w   *bufio.Writer
	p   *intProblem
	g   *Graph
	err error
}

func (lw *lpWriter) printf(format string, args ...any) {
	if lw.err == nil {
		_, lw.err = fmt.Fprintf(lw.w, format, args...)
	}
}

// LPScale is the factor S of g's program: its optimum is the best attack's
// profit × S.
func LPScale(g *Graph) (*big.Rat, error) {
	p, err := toInt(g)
	if err != nil {
		return nil, err
	}
	return new(big.Rat).Inv(p.scale), nil
}

func (lw *lpWriter) write() {
	p := lw.p
	lw.printf("\\ restaked attack search: %d operators, %d services\n", p.nOps, p.nSvc)
	lw.printf("\\ scale: %s (objective = profit x scale)\n", new(big.Rat).Inv(p.scale).RatString())
	lw.printf("Maximize\n obj:")
	var terms []string
	for s := range p.nSvc {
		terms = append(terms, fmt.Sprintf("+ %d %s", p.pfc[s], lw.x(s)))
	}
	for v := range p.nOps {
		if len(p.byOp[v]) > 0 {
			terms = append(terms, "- "+lw.c(v))
		}
	}
	lw.terms(terms)
	lw.printf("Subject To\n")
	for s := range p.nSvc {
		terms = terms[:0]
		for _, e := range p.bySvc[s] {
			terms = append(terms, fmt.Sprintf("+ %d %s", e.w, lw.y(e.op)))
		}
		terms = append(terms, fmt.Sprintf("- %d %s", p.need[s], lw.x(s)))
		lw.printf(" cover_%d:", s)
		lw.termsRHS(terms, ">= 0")
	}
	for v := range p.nOps {
		lw.lossRows(v)
	}
	terms = terms[:0]
	for s := range p.nSvc {
		terms = append(terms, "+ "+lw.x(s))
	}
	lw.printf(" nonempty:")
	lw.termsRHS(terms, ">= 1")
	lw.printf("Binaries\n")
	for s := range p.nSvc {
		lw.printf(" %s\n", lw.x(s))
	}
	for v := range p.nOps {
		if len(p.byOp[v]) > 0 {
			lw.printf(" %s\n", lw.y(v))
			if lw.capped(v) {
				lw.printf(" %s\n", lw.t(v))
			}
		}
	}
	lw.printf("End\n")
}

// lossRows writes operator v's loss linearisation.
func (lw *lpWriter) lossRows(v int) {
	p := lw.p
	if len(p.byOp[v]) == 0 {
		return
	}
	var m uint64
	terms := []string{"+ " + lw.c(v)}
	for _, e := range p.byOp[v] {
		terms = append(terms, fmt.Sprintf("- %d %s", e.w, lw.x(e.svc)))
		m += e.w
	}
	terms = append(terms, fmt.Sprintf("- %d %s", m, lw.y(v)))
	if lw.capped(v) {
		terms = append(terms, fmt.Sprintf("+ %d %s", m, lw.t(v)))
	}
	lw.printf(" loss_%d:", v)
	lw.termsRHS(terms, fmt.Sprintf(">= -%d", m))
	if lw.capped(v) {
		lw.printf(" cap_%d: + %s - %d %s >= 0\n", v, lw.c(v), p.stake[v], lw.t(v))
	}
}

func (lw *lpWriter) capped(v int) bool {
	var m uint64
	for _, e := range lw.p.byOp[v] {
		m += e.w
	}
	return m > lw.p.stake[v]
}

func (lw *lpWriter) terms(ts []string) { lw.termsRHS(ts, "") }

func (lw *lpWriter) termsRHS(ts []string, rhs string) {
	for i, t := range ts {
		if i > 0 && i%lpTermsPerLine == 0 {
			lw.printf("\n   ")
		}
		lw.printf(" %s", t)
	}
	if rhs != "" {
		lw.printf(" %s", rhs)
	}
	lw.printf("\n")
}

func (lw *lpWriter) x(s int) string { return lpName("x", lw.g.ServiceIDs[s], s) }
func (lw *lpWriter) y(v int) string { return lpName("y", lw.g.OperatorIDs[v], v) }
func (lw *lpWriter) c(v int) string { return lpName("c", lw.g.OperatorIDs[v], v) }
func (lw *lpWriter) t(v int) string { return lpName("t", lw.g.OperatorIDs[v], v) }

// lpName is kind_id_index with the id cut to 32 characters of [A-Za-z0-9_]
// (LP names may not contain spaces or operators and ids may); the index
// keeps the names unique.
func lpName(kind, id string, i int) string {
	var b strings.Builder
	for _, r := range id {
		if b.Len() >= 32 {
			break
		}
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return fmt.Sprintf("%s_%s_%d", kind, b.String(), i)
}
