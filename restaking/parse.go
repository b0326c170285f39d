package restaking

import (
	"strconv"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
)

// Message field parsers: each rejects with a rule naming the field.

func parseDuration(field, s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	d, err := num.ParseDuration(s)
	if err != nil {
		return 0, state.Reject("bad-duration", "%s: %v", field, err)
	}
	return d, nil
}

func parseDegree(field, s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	d, err := strconv.ParseUint(s, 10, 64)
	if err != nil || d == 0 || d > params.MaxDegree {
		return 0, state.Reject("bad-degree", "%s %q must be an integer from 1 to %d", field, s, params.MaxDegree)
	}
	return d, nil
}

// parseFraction reads a decimal in [0, 1] ((0, 1] unless zeroOK).
func parseFraction(field, s string, def num.Dec, zeroOK bool) (num.Dec, error) {
	if s == "" {
		return def, nil
	}
	f, err := num.ParseDec(s)
	if err != nil || !f.LTEOne() || (!zeroOK && f.IsZero()) {
		lo := "0"
		if !zeroOK {
			lo = "above 0"
		}
		return f, state.Reject("bad-fraction", "%s %q must be a decimal from %s to 1", field, s, lo)
	}
	return f, nil
}

func parseAmountField(field, s string, def num.Int) (num.Int, error) {
	if s == "" {
		return def, nil
	}
	v, err := num.ParseInt(s)
	if err != nil {
		return v, state.Reject("bad-amount", "%s %q: %v", field, s, err)
	}
	return v, nil
}

func checkText(field, s string, max int) error {
	if len(s) > max {
		return state.Reject("too-long", "%s is %d bytes, at most %d", field, len(s), max)
	}
	return nil
}

// ValidName reports whether s is a service name: 1..MaxNameLen of [a-z0-9_-].
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func checkName(s string) error {
	if !ValidName(s) {
		return state.Reject("bad-name", "service name %q must be 1..%d characters of a-z, 0-9, '-' and '_'", s, MaxNameLen)
	}
	return nil
}
