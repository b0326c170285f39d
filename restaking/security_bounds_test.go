package restaking

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// A live network past the risk engine's bounds is refused with
// risk.ErrTooLarge naming the bound — now and at a past height — never
// cut short silently. The records are written directly: reaching the
// bounds through transactions would take hundreds of thousands of them.
func TestSecurityNetworkRefusesPastBounds(t *testing.T) {
	services := store.NewMem()
	for i := 0; i <= risk.MaxServices; i++ {
		s := Service{Name: fmt.Sprintf("s%05d", i), PfC: num.NewInt(1), Threshold: num.MustDec("0.5")}
		state.Put(services, serviceKey(s.Name), &s)
		state.Put(services, seriesKey(termsSeries(s.Name), 0), &ServiceTerms{PfC: s.PfC, Threshold: s.Threshold})
	}
	operators := store.NewMem()
	for i := 0; i <= risk.MaxOperators; i++ {
		var op account.Address
		binary.BigEndian.PutUint32(op[:], uint32(i))
		state.Put(operators, operatorKey(op), &Operator{Address: op, Commission: num.MustDec("0.1")})
	}
	for _, c := range []struct {
		name string
		r    store.Reader
		want string
	}{
		{"services", services, fmt.Sprintf("more than %d services", risk.MaxServices)},
		{"operators", operators, fmt.Sprintf("more than %d operators", risk.MaxOperators)},
	} {
		for _, at := range []string{"now", "past"} {
			var err error
			if at == "now" {
				_, err = SecurityNetwork(c.r)
			} else {
				_, err = SecurityNetworkAt(c.r, 1)
			}
			if !errors.Is(err, risk.ErrTooLarge) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: %v", c.name, at, err)
			}
		}
	}
}

// The terms invariant catches a service whose declared terms differ from
// its latest recorded ones, and one with no record at all.
func TestServiceTermsInvariant(t *testing.T) {
	kv := store.NewMem()
	s := Service{Name: "s", PfC: num.NewInt(2), Threshold: num.MustDec("0.5")}
	state.Put(kv, serviceKey(s.Name), &s)
	if err := checkServiceTerms(kv); err == nil || !strings.Contains(err.Error(), "found false") {
		t.Fatalf("no terms recorded: %v", err)
	}
	state.Put(kv, seriesKey(termsSeries(s.Name), 3), &ServiceTerms{PfC: num.NewInt(1), Threshold: s.Threshold})
	if err := checkServiceTerms(kv); err == nil || !strings.Contains(err.Error(), "pfc 2") {
		t.Fatalf("stale terms: %v", err)
	}
	state.Put(kv, seriesKey(termsSeries(s.Name), 7), &ServiceTerms{PfC: s.PfC, Threshold: s.Threshold})
	if err := checkServiceTerms(kv); err != nil {
		t.Fatalf("current terms: %v", err)
	}
}

// An exposure over an indexed withdrawal with no record is corrupt state,
// not a shorter list.
func TestWithdrawalExposuresMissingRecord(t *testing.T) {
	kv := store.NewMem()
	var staker account.Address
	staker[0] = 1
	kv.Set(wdByStakerKey(staker, 7), nil)
	if _, _, err := withdrawalExposures(kv, staker, 0, nil); !errors.Is(err, state.ErrCorrupt) {
		t.Fatalf("missing withdrawal record: %v", err)
	}
}
