package sim

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/staking"
	"gopkg.in/yaml.v3"
)

// query reads one number from the state of the block in progress.
type query func(s *Sim) (*big.Rat, error)

// queryKind decodes a query's arguments. Adding a query is one entry.
type queryKind func(b *book, body *yaml.Node, what string) (query, error)

var queryKinds = map[string]queryKind{
	"balance":          decodeBalance,
	"supply":           decodeSupply,
	"delegation":       decodeDelegation,
	"validator_tokens": decodeValidatorTokens,
	"pending_rewards":  decodePendingRewards,
	"lst_rate":         decodeLSTRate,
	"liquid_claim":     decodeLiquidClaim,
	"withdrawable":     decodeWithdrawable,
	"operator_stake":   decodeOperatorStake,
	"allocated_stake":  decodeAllocatedStake,
	"withdrawal":       decodeWithdrawal,
	"program":          decodeProgram,
	"apr":              decodeAPR,
	"security":         decodeSecurity,
	"attack":           decodeAttack,
}

// comparators are the keys of an expect that are not the query.
var comparators = []string{"eq", "gte", "lte", "approx", "tol"}

// expectation is a query and the checks its value must pass.
type expectation struct {
	text   string
	q      query
	checks []check
}

// check compares the queried value with want; tol is only for approx.
type check struct {
	op   string
	want *big.Rat
	tol  tolerance
}

// tolerance is absolute, or relative to want when pct is set.
type tolerance struct {
	amount *big.Rat
	pct    bool
}

func decodeExpect(b *book, body *yaml.Node, what string) (action, error) {
	ps, err := pairs(body, what)
	if err != nil {
		return nil, err
	}
	e := &expectation{}
	var tol *tolerance
	for _, p := range ps {
		if err := e.add(b, p, &tol, what); err != nil {
			return nil, err
		}
	}
	if err := e.finish(tol, what); err != nil {
		return nil, err
	}
	return e, nil
}

// add reads one key of an expect: the query or a comparator.
func (e *expectation) add(b *book, p pair, tol **tolerance, what string) error {
	v, isScalar := scalar(p.val)
	switch {
	case p.key == "tol":
		t, err := parseTolerance(v)
		*tol = &t
		return wrapField(what, p.key, err)
	case contains(comparators, p.key):
		if !isScalar {
			return fmt.Errorf("%s: %s needs a number", what, p.key)
		}
		want, err := parseSigned(v)
		e.checks = append(e.checks, check{op: p.key, want: want})
		return wrapField(what, p.key, err)
	case e.q != nil:
		return fmt.Errorf("%s: one query per expect (%q is a second one)", what, p.key)
	}
	q, err := lookupQuery(b, p, what)
	e.q, e.text = q, flowText(p.key, p.val)
	return err
}

func (e *expectation) finish(tol *tolerance, what string) error {
	if e.q == nil {
		return fmt.Errorf("%s: no query (queries: %s)", what, strings.Join(queryNames(), ", "))
	}
	if len(e.checks) == 0 {
		return fmt.Errorf("%s: no comparator (eq, gte, lte or approx with tol)", what)
	}
	for i := range e.checks {
		if e.checks[i].op == "approx" {
			if tol == nil {
				return fmt.Errorf("%s: approx needs tol (an amount like \"5\" or a percentage like \"1%%\")", what)
			}
			e.checks[i].tol = *tol
		}
	}
	if tol != nil && !e.hasApprox() {
		return fmt.Errorf("%s: tol only goes with approx", what)
	}
	return nil
}

func (e *expectation) hasApprox() bool {
	for _, c := range e.checks {
		if c.op == "approx" {
			return true
		}
	}
	return false
}

func (e *expectation) run(s *Sim) (string, error) {
	got, err := e.q(s)
	if err != nil {
		return "", fmt.Errorf("%s: %v", e.text, err)
	}
	for _, c := range e.checks {
		if !c.holds(got) {
			return "", fmt.Errorf("%s: got %s, want %s", e.text, ratString(got), c)
		}
	}
	return "got " + ratString(got), nil
}

func (c check) String() string {
	if c.op == "approx" {
		return fmt.Sprintf("approx %s (tol %s)", ratString(c.want), c.tol)
	}
	return c.op + " " + ratString(c.want)
}

func (t tolerance) String() string {
	if t.pct {
		return ratString(t.amount) + "%"
	}
	return ratString(t.amount)
}

func (c check) holds(got *big.Rat) bool {
	cmp := got.Cmp(c.want)
	switch c.op {
	case "eq":
		return cmp == 0
	case "gte":
		return cmp >= 0
	case "lte":
		return cmp <= 0
	}
	return withinTol(got, c.want, c.tol)
}

// withinTol: |got − want| ≤ tol, where a percentage tol is want·tol/100.
func withinTol(got, want *big.Rat, t tolerance) bool {
	diff := new(big.Rat).Sub(got, want)
	diff.Abs(diff)
	limit := new(big.Rat).Set(t.amount)
	if t.pct {
		limit.Mul(limit, new(big.Rat).Abs(want))
		limit.Quo(limit, big.NewRat(100, 1))
	}
	return diff.Cmp(limit) <= 0
}

func wrapField(what, field string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %s: %v", what, field, err)
	}
	return nil
}

// maxNumberLen bounds expected values (2^256 has 78 digits, plus 18 decimals).
const maxNumberLen = 100

// parseSigned reads a compared value: a decimal, negative ones included
// (the risk engine's γ* and attack profits can be below zero).
func parseSigned(v string) (*big.Rat, error) {
	t := strings.TrimSpace(v)
	if rest, neg := strings.CutPrefix(t, "-"); neg {
		r, err := parseNumber(rest)
		if err != nil {
			return nil, err
		}
		return r.Neg(r), nil
	}
	return parseNumber(t)
}

// parseNumber reads a non-negative decimal ("9000", "1.05"), exactly.
func parseNumber(v string) (*big.Rat, error) {
	whole, frac, dot := strings.Cut(strings.TrimSpace(v), ".")
	if len(v) > maxNumberLen || !digits(whole) || (dot && !digits(frac)) {
		return nil, fmt.Errorf("want a non-negative decimal number like 9000 or 1.05, got %q", v)
	}
	r, ok := new(big.Rat).SetString(strings.TrimSpace(v))
	if !ok {
		return nil, fmt.Errorf("want a decimal number, got %q", v)
	}
	return r, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func parseTolerance(v string) (tolerance, error) {
	body, pct := strings.CutSuffix(strings.TrimSpace(v), "%")
	r, err := parseNumber(body)
	if err != nil {
		return tolerance{}, err
	}
	return tolerance{amount: r, pct: pct}, nil
}

// ratString prints integers exactly and fractions with up to 18 decimals.
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := strings.TrimRight(r.FloatString(18), "0")
	return strings.TrimSuffix(s, ".")
}

func lookupQuery(b *book, p pair, what string) (query, error) {
	what = what + " " + p.key
	if k, ok := queryKinds[p.key]; ok {
		return k(b, p.val, what)
	}
	return nil, fmt.Errorf("%s: unknown query or comparator (queries: %s; comparators: %s)",
		what, strings.Join(queryNames(), ", "), strings.Join(comparators, ", "))
}

func queryNames() []string {
	out := make([]string, 0, len(queryKinds))
	for n := range queryKinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func intRat(v num.Int) *big.Rat { return new(big.Rat).SetInt(v.Big()) }

func decodeBalance(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	a, denom := f.account("account"), f.denom("denom")
	return func(s *Sim) (*big.Rat, error) {
		v, err := bank.Balance(s.state(), a.addr, denom)
		return intRat(v), err
	}, f.done()
}

func decodeSupply(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	denom := f.denom("denom")
	return func(s *Sim) (*big.Rat, error) {
		v, err := bank.Supply(s.state(), denom)
		return intRat(v), err
	}, f.done()
}

// decodeDelegation reads the tokens a delegation is worth (0 if none).
func decodeDelegation(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	del, val := f.account("delegator"), f.account("validator")
	return func(s *Sim) (*big.Rat, error) {
		d, found, err := staking.GetDelegation(s.state(), del.addr, val.addr)
		if err != nil || !found {
			return new(big.Rat), err
		}
		return intRat(d.Tokens), nil
	}, f.done()
}

func decodeValidatorTokens(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	val := f.account("validator")
	return func(s *Sim) (*big.Rat, error) {
		v, found, err := staking.GetValidator(s.state(), val.addr)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("%s is not a validator", val.name)
		}
		return intRat(v.Tokens), nil
	}, f.done()
}

// decodeLSTRate reads the stake value of one ststake as a decimal
// (rounding: down to 18 decimals).
func decodeLSTRate(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	return func(s *Sim) (*big.Rat, error) {
		r, err := liquid.Rate(s.state())
		if err != nil {
			return nil, err
		}
		return r.Rat(), nil
	}, f.done()
}

// decodeLiquidClaim reads what claim id pays: its amount while unpaid, what
// it was paid once paid.
func decodeLiquidClaim(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	id := f.str("id", true)
	return func(s *Sim) (*big.Rat, error) {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("liquid_claim id %q: %v", id, err)
		}
		c, found, err := liquid.GetClaim(s.state(), n)
		if err != nil || !found {
			return nil, errors.Join(err, fmt.Errorf("no liquid claim %d", n))
		}
		if c.Paid {
			return intRat(c.PaidAmount), nil
		}
		return intRat(c.Amount), nil
	}, f.done()
}

// expectError runs a transaction or event that must be rejected with a
// log containing the given text.
type expectError struct {
	inner    action
	contains string
}

func decodeExpectError(b *book, body *yaml.Node, what string) (action, error) {
	f := newFields(b, body, what)
	text := f.str("contains", true)
	txNode, evNode := f.node("tx"), f.node("event")
	if err := f.done(); err != nil {
		return nil, err
	}
	inner, err := decodeInner(b, txNode, evNode, what)
	if err != nil {
		return nil, err
	}
	return expectError{inner: inner, contains: text}, nil
}

// decodeInner decodes exactly one of tx (a transaction step) or event.
func decodeInner(b *book, txNode, evNode *yaml.Node, what string) (action, error) {
	if (txNode == nil) == (evNode == nil) {
		return nil, fmt.Errorf("%s: give exactly one of tx: {step: {...}} or event: {step: {...}}", what)
	}
	n, want, label := txNode, classTx, "tx"
	if evNode != nil {
		n, want, label = evNode, classEvent, "event"
	}
	name, body, err := single(n)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %v", what, label, err)
	}
	k, err := lookupStep(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %v", what, label, err)
	}
	if k.class != want {
		return nil, fmt.Errorf("%s: %s: %q is not a %s step", what, label, name, label)
	}
	return k.decode(b, body, what+" "+name)
}

func (e expectError) run(s *Sim) (string, error) {
	_, err := e.inner.run(s)
	var rej *rejection
	switch {
	case err == nil:
		return "", fmt.Errorf("expected a rejection containing %q, but it succeeded", e.contains)
	case !errors.As(err, &rej):
		return "", err
	case !strings.Contains(rej.log, e.contains) && !strings.Contains(s.book.rename(rej.log), e.contains):
		return "", fmt.Errorf("rejected as expected, but the error %q does not contain %q", rej.log, e.contains)
	}
	return "rejected as expected: " + rej.log, nil
}
