package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"gopkg.in/yaml.v3"
)

// pair is one key/value of a YAML mapping, in file order.
type pair struct {
	key string
	val *yaml.Node
}

// maxAliasDepth bounds alias chains (an anchor's value may itself be an alias).
const maxAliasDepth = 16

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

// pairs lists a mapping's entries in order; keys must be distinct scalars.
func pairs(n *yaml.Node, what string) ([]pair, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: want a mapping like {key: value}", what)
	}
	out := make([]pair, 0, len(n.Content)/2)
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s: keys must be plain names", what)
		}
		if seen[k.Value] {
			return nil, fmt.Errorf("%s: %q given twice", what, k.Value)
		}
		seen[k.Value] = true
		out = append(out, pair{key: k.Value, val: n.Content[i+1]})
	}
	return out, nil
}

// isNull reports an empty YAML value (`key:` or `key: null`).
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// scalar returns a scalar's text; ok is false for null or a non-scalar.
func scalar(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// fields reads one step's body. The first error sticks, so decoders read
// every field in a row and check once with done.
type fields struct {
	what string
	list []pair
	used map[string]bool
	book *book
	err  error
}

func newFields(b *book, body *yaml.Node, what string) *fields {
	f := &fields{what: what, book: b, used: map[string]bool{}}
	f.list, f.err = pairs(body, what)
	return f
}

func (f *fields) fail(format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("%s: %s", f.what, fmt.Sprintf(format, args...))
	}
}

func (f *fields) node(name string) *yaml.Node {
	f.used[name] = true
	for _, p := range f.list {
		if p.key == name {
			return p.val
		}
	}
	return nil
}

// has reports whether the field is present (and marks it read).
func (f *fields) has(name string) bool { return f.node(name) != nil }

// str reads a single value; required fields must be present and non-empty.
func (f *fields) str(name string, required bool) string {
	n := f.node(name)
	if n == nil {
		if required {
			f.fail("missing field %q", name)
		}
		return ""
	}
	v, ok := scalar(n)
	if !ok && !isNull(n) {
		f.fail("field %q: want a single value, not a list or mapping", name)
	}
	if v == "" && required {
		f.fail("field %q is empty", name)
	}
	return v
}

// account reads an account name and resolves it.
func (f *fields) account(name string) *acct {
	v := f.str(name, true)
	if f.err != nil {
		return nil
	}
	a, err := f.book.get(v)
	if err != nil {
		f.fail("field %q: %v", name, err)
	}
	return a
}

// signer reads `from`: the step's signing account and its address ("" if
// the field failed; the error is reported by done).
func (f *fields) signer() (*acct, string) {
	a := f.account("from")
	if a == nil {
		return nil, ""
	}
	return a, a.addr.String()
}

// coins reads a coin string ("10stake" or "5usdc,7stake"), validated here
// so a typo fails at load time; the chain still judges zero or odd amounts.
func (f *fields) coins(name string) string {
	v := f.str(name, true)
	if f.err == nil {
		if _, err := coin.Parse(v); err != nil {
			f.fail("field %q: %v", name, err)
		}
	}
	return v
}

// coin reads exactly one coin ("100stake").
func (f *fields) coin(name string) string {
	v := f.str(name, true)
	if f.err == nil {
		if _, err := coin.ParseCoin(v); err != nil {
			f.fail("field %q: %v", name, err)
		}
	}
	return v
}

// dec reads a decimal fraction ("0.05").
func (f *fields) dec(name string, required bool) string {
	v := f.str(name, required)
	if f.err == nil && v != "" {
		if _, err := num.ParseDec(v); err != nil {
			f.fail("field %q: %v", name, err)
		}
	}
	return v
}

// denom reads a denom name ("stake").
func (f *fields) denom(name string) string {
	v := f.str(name, true)
	if f.err == nil {
		if err := coin.ValidateDenom(v); err != nil {
			f.fail("field %q: %v", name, err)
		}
	}
	return v
}

// height reads an optional positive block height; 0 means absent.
func (f *fields) height(name string) int64 {
	v := f.str(name, false)
	if f.err != nil || v == "" {
		return 0
	}
	h, err := num.ParseInt(v)
	u, fits := h.Uint64()
	if err != nil || !fits || u == 0 || u > maxHeight {
		f.fail("field %q: want a block height 1..%d, got %q", name, maxHeight, v)
		return 0
	}
	return int64(u)
}

// maxListLen bounds list fields (a service accepts at most a few assets;
// the chain judges the exact bound).
const maxListLen = 64

// values reads a list of plain values ("[ststake, stake]"); a single value
// is a list of one.
func (f *fields) values(name string, required bool) []string {
	n := resolve(f.node(name))
	if n == nil || isNull(n) {
		if required {
			f.fail("missing field %q", name)
		}
		return nil
	}
	if v, ok := scalar(n); ok {
		return []string{v}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) > maxListLen {
		f.fail("field %q: want a list of at most %d values like [ststake, stake]", name, maxListLen)
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		v, ok := scalar(item)
		if !ok {
			f.fail("field %q: each item needs a single value", name)
			return nil
		}
		out = append(out, v)
	}
	return out
}

// optAddress reads an optional account name as its address ("" if absent).
func (f *fields) optAddress(name string) string {
	if !f.has(name) {
		return ""
	}
	if a := f.account(name); a != nil {
		return a.addr.String()
	}
	return ""
}

// address reads a required account name as its address.
func (f *fields) address(name string) string {
	if a := f.account(name); a != nil {
		return a.addr.String()
	}
	return ""
}

// keyword reads an optional field that is either the keyword kw (passed
// through, for the chain to interpret) or an account name (its address).
func (f *fields) keyword(name, kw string) string {
	if v := f.str(name, false); v == kw {
		return v
	}
	return f.optAddress(name)
}

// amount reads a non-negative integer amount ("5000"), without a denom.
func (f *fields) amount(name string, required bool) string {
	v := f.str(name, required)
	if f.err == nil && v != "" {
		if _, err := num.ParseInt(v); err != nil {
			f.fail("field %q: %v", name, err)
		}
	}
	return v
}

// id reads a record id (withdrawals and slashes are numbered from 1).
func (f *fields) id(name string) uint64 {
	v := f.str(name, true)
	if f.err != nil {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		f.fail("field %q: want an id 1, 2, ..., got %q", name, v)
	}
	return n
}

// mapping reads a nested mapping of plain values, in file order.
func (f *fields) mapping(name string) []pair {
	n := f.node(name)
	if n == nil {
		f.fail("missing field %q", name)
		return nil
	}
	ps, err := pairs(n, f.what+": field "+name)
	if err != nil && f.err == nil {
		f.err = err
	}
	for _, p := range ps {
		if _, ok := scalar(p.val); !ok {
			f.fail("field %q: %q needs a single value", name, p.key)
		}
	}
	return ps
}

// done returns the first error, or names a field nobody read (a typo).
func (f *fields) done() error {
	if f.err != nil {
		return f.err
	}
	for _, p := range f.list {
		if !f.used[p.key] {
			return fmt.Errorf("%s: unknown field %q (fields: %s)", f.what, p.key, strings.Join(f.known(), ", "))
		}
	}
	return nil
}

func (f *fields) known() []string {
	out := make([]string, 0, len(f.used))
	for k := range f.used {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// maxStepText bounds the one-line rendering of a step in reports.
const maxStepText = 240

// flowText renders a step as one line, e.g. `send: {from: alice, to: bob}`.
func flowText(key string, val *yaml.Node) string {
	budget := maxTextNodes
	v := flowCopy(val, 0, &budget)
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: key}, v}}
	out, err := yaml.Marshal(m)
	if err != nil {
		return key
	}
	s := strings.TrimSpace(string(out))
	if len(s) > maxStepText {
		s = s[:maxStepText] + "..."
	}
	return s
}

// maxTextNodes bounds the copy: aliases could otherwise expand a small
// file into an enormous tree.
const maxTextNodes = 256

// flowCopy deep-copies n in flow style without comments or anchors.
func flowCopy(n *yaml.Node, depth int, budget *int) *yaml.Node {
	n = resolve(n)
	*budget--
	if n == nil || depth > maxAliasDepth || *budget < 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: "..."}
	}
	c := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value, Style: n.Style}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		c.Style = yaml.FlowStyle
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = flowCopy(ch, depth+1, budget)
		}
	}
	return c
}
