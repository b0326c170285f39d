package sim

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
	"gopkg.in/yaml.v3"
)

// Service reward programs (SPEC §7): steps and queries.

// buildCreateRewardProgram: `start` is an offset from the time of the block
// the step runs in (`start: 1d`); without it the program starts in that
// block. Until the step runs, StartS holds the offset (programStartAt adds
// the block time); amount and duration pass through for the chain to judge.
func buildCreateRewardProgram(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgCreateRewardProgram{Admin: me, Service: f.str("service", true), Amount: f.coin("amount"),
		Duration: f.str("duration", true)}
	if v := f.str("start", false); v != "" && f.err == nil {
		d, err := num.ParseDuration(v)
		if err != nil {
			f.fail("field %q: want an offset from the current block time like 0s, 1h or 2d: %v", "start", err)
		}
		m.StartS = int64(d) // num.ParseDuration bounds d far below int64
	}
	return from, m
}

// programStartAt turns a program's start offset into a block time.
func programStartAt(m proto.Message, now_s int64) {
	if p, ok := m.(*tx.MsgCreateRewardProgram); ok && p.StartS != 0 {
		p.StartS += now_s
	}
}

func buildCancelRewardProgram(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgCancelRewardProgram{Admin: me, Id: f.id("id")}
	return from, m
}

// decodePendingRewards reads what claim_rewards would pay account now in
// denom: primary staking rewards and commission, the native pass-through
// (in the native denom) and every service stream. With `stream: SERVICE`
// it reads only that service's streams (as a staker and as an operator).
func decodePendingRewards(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	a, denom := f.account("account"), f.denom("denom")
	svc := f.str("stream", false)
	if svc != "" && !restaking.ValidName(svc) {
		f.fail("field %q: %q is not a service name", "stream", svc)
	}
	return func(s *Sim) (*big.Rat, error) {
		total := new(big.Rat)
		if svc == "" {
			primary, err := pendingPrimary(s, a.addr, denom)
			if err != nil {
				return nil, err
			}
			total.Add(total, primary)
		}
		service, err := pendingService(s.state(), a.addr, denom, svc)
		if err != nil {
			return nil, err
		}
		return total.Add(total, service), nil
	}, f.done()
}

// pendingPrimary is the primary staking stream and the native pass-through.
func pendingPrimary(s *Sim, acct account.Address, denom string) (*big.Rat, error) {
	c, err := staking.PendingRewards(s.state(), acct)
	if err != nil {
		return nil, err
	}
	total := intRat(c.AmountOf(denom))
	if denom != s.c.Params().NativeDenom {
		return total, nil
	}
	native, err := restaking.PendingNative(s.state(), acct)
	if err != nil {
		return nil, err
	}
	for _, n := range native {
		total.Add(total, intRat(n.Pending))
	}
	return total, nil
}

// pendingService sums acct's service streams in denom, of svc only when set.
func pendingService(r store.Reader, acct account.Address, denom, svc string) (*big.Rat, error) {
	streams, err := restaking.PendingService(r, acct)
	if err != nil {
		return nil, err
	}
	total := new(big.Rat)
	for _, st := range streams {
		if st.Denom == denom && (svc == "" || st.Service == svc) {
			total.Add(total, intRat(st.Amount))
		}
	}
	return total, nil
}

// programFields are what `expect: {program: {id, field}}` reads, in the
// program's denom: amount funded, emitted so far, credited to operators and
// stakers, unassigned (no eligible stake), refunded to the admin, escrowed
// (not emitted yet); and active: 1 while it runs, 0 once ended or cancelled.
var programFields = map[string]func(restaking.Program) (num.Int, error){
	"amount":     func(p restaking.Program) (num.Int, error) { return p.Amount, nil },
	"emitted":    func(p restaking.Program) (num.Int, error) { return p.Emitted, nil },
	"credited":   func(p restaking.Program) (num.Int, error) { return p.Credited, nil },
	"unassigned": func(p restaking.Program) (num.Int, error) { return p.Unassigned, nil },
	"refunded":   func(p restaking.Program) (num.Int, error) { return p.Refunded(), nil },
	"escrowed":   func(p restaking.Program) (num.Int, error) { return p.Amount.Sub(p.Emitted) },
	"active": func(p restaking.Program) (num.Int, error) {
		if p.Status == restaking.ProgramActive {
			return num.NewInt(1), nil
		}
		return num.Int{}, nil
	},
}

// decodeProgram reads one field of reward program id.
func decodeProgram(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	id, field := f.id("id"), f.str("field", true)
	get, ok := programFields[field]
	if f.err == nil && !ok {
		f.fail("field %q: %q is not one of %s", "field", field, strings.Join(sortedKeys(programFields), ", "))
	}
	return func(s *Sim) (*big.Rat, error) {
		pg, found, err := restaking.GetProgram(s.state(), id)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("no reward program %d", id)
		}
		v, err := get(pg)
		return intRat(v), err
	}, f.done()
}

// decodeAPR reads account's recent yield per year (restaking.Yields, in
// native-unit terms, as a decimal: 0.05 = 5%): its overall rate (every
// stream's income over the value of its stake: streams on the same stake
// add up), or with `stream: SERVICE` that service's streams' income over
// the stake of the positions earning them. It fails while none of the
// streams' rates is known yet.
func decodeAPR(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	a := f.account("account")
	svc := f.str("stream", false)
	if svc != "" && !restaking.ValidName(svc) {
		f.fail("field %q: %q is not a service name", "stream", svc)
	}
	return func(s *Sim) (*big.Rat, error) {
		y, err := restaking.Yields(s.state(), a.addr, s.time_s)
		if err != nil {
			return nil, err
		}
		income, stake := yieldOf(y.Streams, svc)
		switch {
		case stake.Sign() == 0:
			return nil, fmt.Errorf("no recent yield known for %s yet", a.name)
		case svc == "" && y.APR != nil:
			return y.APR.Rat(), nil
		}
		return income.Quo(income, stake), nil
	}, f.done()
}

// yieldOf sums the yearly income of the streams with a known rate (of svc
// only when set) and the stake of the positions earning them.
func yieldOf(streams []restaking.StreamYield, svc string) (income, stake *big.Rat) {
	income, stake = new(big.Rat), new(big.Rat)
	seen := map[string]bool{} // a delegation's or a position's stake counts once
	for _, st := range streams {
		if st.APR == nil || (svc != "" && st.Service != svc) {
			continue
		}
		w := intRat(st.Stake)
		income.Add(income, new(big.Rat).Mul(st.APR.Rat(), w))
		k := "position/" + st.Operator.String() + "/" + st.Asset
		if st.Kind == restaking.StreamPrimary {
			k = "delegation/" + st.Operator.String()
		}
		if !seen[k] {
			seen[k] = true
			stake.Add(stake, w)
		}
	}
	return income, stake
}
