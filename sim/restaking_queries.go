package sim

import (
	"fmt"
	"math/big"

	"github.com/restaked/restaked/restaking"
	"gopkg.in/yaml.v3"
)

// Restaking queries (SPEC §10). Amounts are in the asset's base units.

// decodeWithdrawable reads what staker's position with operator in asset
// can withdraw now (0 without a position).
func decodeWithdrawable(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	staker, op, asset := f.account("staker"), f.account("operator"), f.denom("asset")
	return func(s *Sim) (*big.Rat, error) {
		v, err := restaking.Withdrawable(s.state(), staker.addr, op.addr, asset)
		return intRat(v), err
	}, f.done()
}

// decodeOperatorStake reads the operator's delegated stake in asset: what
// its positions are worth together, withdrawals queued excluded.
func decodeOperatorStake(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	op, asset := f.account("operator"), f.denom("asset")
	return func(s *Sim) (*big.Rat, error) {
		v, err := restaking.OperatorStake(s.state(), op.addr, asset)
		return intRat(v), err
	}, f.done()
}

// decodeAllocatedStake reads the operator's stake in asset the service
// can slash now (0 without an allocation in force).
func decodeAllocatedStake(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	op, svc, asset := f.account("operator"), f.str("service", true), f.denom("asset")
	return func(s *Sim) (*big.Rat, error) {
		v, err := restaking.AllocatedStake(s.state(), op.addr, svc, asset)
		return intRat(v), err
	}, f.done()
}

// decodeWithdrawal reads what withdrawal id pays if completed now, or what
// it paid once completed (native stake: the unbonding entry it opened).
func decodeWithdrawal(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	id := f.id("id")
	return func(s *Sim) (*big.Rat, error) {
		w, found, err := restaking.GetWithdrawal(s.state(), id, s.time_s)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("no withdrawal %d", id)
		}
		return intRat(w.Value), nil
	}, f.done()
}
