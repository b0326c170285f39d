package restaking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// loadOperator returns the operator in force at now_s.
func loadOperator(r store.Reader, op account.Address, now_s int64) (Operator, error) {
	o, found, err := loadRecord[Operator](r, operatorKey(op))
	if err != nil {
		return o, err
	}
	if !found {
		return o, state.Reject("unknown-operator", "%s is not a registered operator", op)
	}
	return o.current(now_s), nil
}

func saveOperator(kv store.KV, o *Operator) { state.Put(kv, operatorKey(o.Address), o) }

// HandleRegisterOperator registers the signer as an operator.
func HandleRegisterOperator(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgRegisterOperator) error {
	op, err := state.Owner("operator", m.GetOperator(), signer, "register itself as an operator")
	if err != nil {
		return err
	}
	if _, found, err := loadRecord[Operator](ctx.KV, operatorKey(op)); err != nil || found {
		if err == nil {
			err = state.Reject("operator-exists", "%s is already an operator", op)
		}
		return err
	}
	o := Operator{Address: op, Registered_s: ctx.Time_s}
	if err := linkValidator(ctx.KV, op, m.GetValidator(), &o); err != nil {
		return err
	}
	if o.AllocationDelay_s, err = parseAllocationDelay(p, m.GetAllocationDelay(), p.MinAllocationDelay_s); err != nil {
		return err
	}
	if o.Degree, err = parseOperatorDegree(p, m.GetDegree(), 1); err != nil {
		return err
	}
	if o.Commission, err = parseFraction("commission", m.GetCommission(), num.ZeroDec(), true); err != nil {
		return err
	}
	if err := checkText("metadata", m.GetMetadata(), MaxMetadataLen); err != nil {
		return err
	}
	o.Metadata = m.GetMetadata()
	saveOperator(ctx.KV, &o)
	if o.Validator {
		na := NativeAccount(op)
		ctx.KV.Set(state.Key(prefixNativeAcct, na[:]), op[:])
	}
	ctx.Emit("register_operator", "operator", op.String(), "degree", u64s(o.Degree))
	return nil
}

// linkValidator: an operator may link only the validator it runs, the one
// whose operator address is its own.
func linkValidator(r store.Reader, op account.Address, s string, o *Operator) error {
	if s == "" {
		return nil
	}
	v, err := state.ParseAddr("validator", s)
	if err != nil {
		return err
	}
	if v != op {
		return state.Reject("not-own-validator", "an operator links only the validator it runs (%s), not %s", op, v)
	}
	if _, found, err := staking.GetValidator(r, v); err != nil || !found {
		if err == nil {
			err = state.Reject("unknown-validator", "%s runs no validator", v)
		}
		return err
	}
	o.Validator = true
	return nil
}

func parseAllocationDelay(p params.Params, s string, def uint64) (uint64, error) {
	d, err := parseDuration("allocation_delay", s, def)
	if err == nil && d < p.MinAllocationDelay_s {
		err = state.Reject("allocation-delay-too-short", "allocation_delay must be at least min_allocation_delay (%ds)", p.MinAllocationDelay_s)
	}
	return d, err
}

func parseOperatorDegree(p params.Params, s string, def uint64) (uint64, error) {
	d, err := parseDegree("degree", s, def)
	if err == nil && d > p.MaxRestakingDegree {
		err = state.Reject("degree-too-high", "degree %d is above max_restaking_degree %d", d, p.MaxRestakingDegree)
	}
	return d, err
}

// HandleUpdateOperator changes metadata at once and the allocation delay
// or degree after allocation_config_delay (a later update replaces a
// pending one).
func HandleUpdateOperator(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgUpdateOperator) error {
	op, err := state.Owner("operator", m.GetOperator(), signer, "update its operator")
	if err != nil {
		return err
	}
	o, err := loadOperator(ctx.KV, op, ctx.Time_s)
	if err != nil {
		return err
	}
	if m.GetMetadata() != "" {
		if err := checkText("metadata", m.GetMetadata(), MaxMetadataLen); err != nil {
			return err
		}
		o.Metadata = m.GetMetadata()
	}
	if m.GetAllocationDelay() != "" || m.GetDegree() != "" {
		if err := scheduleOperatorChange(ctx, p, &o, m); err != nil {
			return err
		}
	}
	saveOperator(ctx.KV, &o)
	ctx.Emit("update_operator", "operator", op.String())
	return nil
}

func scheduleOperatorChange(ctx state.Ctx, p params.Params, o *Operator, m *tx.MsgUpdateOperator) error {
	ch := OperatorChange{AllocationDelay_s: o.AllocationDelay_s, Degree: o.Degree}
	if o.Pending != nil {
		ch = *o.Pending
	}
	var err error
	if ch.AllocationDelay_s, err = parseAllocationDelay(p, m.GetAllocationDelay(), ch.AllocationDelay_s); err != nil {
		return err
	}
	if ch.Degree, err = parseOperatorDegree(p, m.GetDegree(), ch.Degree); err != nil {
		return err
	}
	if ch.Degree > o.Degree {
		if err := checkDegreeCaps(ctx.KV, o.Address, ch.Degree, ctx.Time_s); err != nil {
			return err
		}
	}
	ch.Effective_s = num.AddTime(ctx.Time_s, p.AllocationConfigDelay_s)
	o.Pending = &ch
	return nil
}

// checkDegreeCaps: no service the operator is a member of caps its degree below d.
func checkDegreeCaps(r store.Reader, op account.Address, d uint64, now_s int64) error {
	names, err := servicesOf(r, op)
	if err != nil {
		return err
	}
	for _, name := range names {
		s, err := loadService(r, name, now_s)
		if err != nil {
			return err
		}
		if s.MaxOperatorDegree != 0 && d > s.MaxOperatorDegree {
			return state.Reject("degree-above-service-cap", "service %s accepts operators of degree at most %d; %s would have %d", name, s.MaxOperatorDegree, op, d)
		}
	}
	return nil
}
