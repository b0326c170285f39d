package restaking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

func loadMember(r store.Reader, svc string, op account.Address) (Membership, bool, error) {
	return loadRecord[Membership](r, memberKey(svc, op))
}

// saveMember writes a membership, counting a new record against the
// service's bound.
func saveMember(kv store.KV, s *Service, op account.Address, m Membership, existed bool) error {
	if !existed {
		if s.Members >= MaxOperatorsPerService {
			return state.Reject("too-many-members", "service %s has %d membership records (the maximum)", s.Name, s.Members)
		}
		s.Members++
		saveService(kv, s)
	}
	state.Put(kv, memberKey(s.Name, op), &m)
	return nil
}

// servicesOf lists the services op is opted in to or still slashable by
// (the index opt_in writes; at most MaxServicesPerOperator).
func servicesOf(r store.Reader, op account.Address) ([]string, error) {
	prefix := state.Key(prefixOpService, op[:])
	var out []string
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return len(out) < MaxServicesPerOperator
	})
	return out, nil
}

// membersOf lists the operators with a membership record in svc (past
// and present; at most MaxOperatorsPerService), by address.
func membersOf(r store.Reader, svc string) []account.Address {
	prefix := state.Key(prefixMember, lp(svc))
	var out []account.Address
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		var op account.Address
		copy(op[:], k[len(prefix):])
		out = append(out, op)
		return len(out) < MaxOperatorsPerService
	})
	return out
}

// HandleAllowOperator lets an operator opt in to an allowlist service.
func HandleAllowOperator(ctx state.Ctx, signer account.Address, m *tx.MsgAllowOperator) error {
	s, op, err := adminAndOperator(ctx, signer, m.GetAdmin(), m.GetService(), m.GetOperator())
	if err != nil {
		return err
	}
	mem, existed, err := loadMember(ctx.KV, s.Name, op)
	if err != nil {
		return err
	}
	mem.Allowed = true
	if err := saveMember(ctx.KV, &s, op, mem, existed); err != nil {
		return err
	}
	ctx.Emit("allow_operator", "service", s.Name, "operator", op.String())
	return nil
}

// HandleDisallowOperator withdraws the permission; an opted-in operator is
// opted out (and stays slashable for deallocation_delay).
func HandleDisallowOperator(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgDisallowOperator) error {
	s, op, err := adminAndOperator(ctx, signer, m.GetAdmin(), m.GetService(), m.GetOperator())
	if err != nil {
		return err
	}
	mem, existed, err := loadMember(ctx.KV, s.Name, op)
	if err != nil {
		return err
	}
	if !existed || !mem.Allowed {
		return state.Reject("not-allowed", "operator %s is not on service %s's allowlist", op, s.Name)
	}
	mem.Allowed = false
	if mem.OptedIn {
		if err := optOut(ctx, p, s, op, &mem); err != nil {
			return err
		}
	}
	state.Put(ctx.KV, memberKey(s.Name, op), &mem)
	ctx.Emit("disallow_operator", "service", s.Name, "operator", op.String())
	return nil
}

func adminAndOperator(ctx state.Ctx, signer account.Address, admin, name, operator string) (Service, account.Address, error) {
	s, err := loadAdmin(ctx, "admin", admin, name, signer)
	if err != nil {
		return s, account.Address{}, err
	}
	op, err := state.ParseAddr("operator", operator)
	if err != nil {
		return s, op, err
	}
	_, err = loadOperator(ctx.KV, op, ctx.Time_s)
	return s, op, err
}

// HandleOptIn joins the signer's operator to a service.
func HandleOptIn(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgOptIn) error {
	op, err := state.Owner("operator", m.GetOperator(), signer, "opt its operator in")
	if err != nil {
		return err
	}
	o, err := loadOperator(ctx.KV, op, ctx.Time_s)
	if err != nil {
		return err
	}
	s, err := loadService(ctx.KV, m.GetService(), ctx.Time_s)
	if err != nil {
		return err
	}
	mem, existed, err := loadMember(ctx.KV, s.Name, op)
	if err != nil {
		return err
	}
	if err := checkOptIn(ctx, s, o, mem); err != nil {
		return err
	}
	if err := indexService(ctx, &o, s.Name, &mem); err != nil {
		return err
	}
	mem.OptedIn = true
	if err := saveMember(ctx.KV, &s, op, mem, existed); err != nil {
		return err
	}
	recordMember(ctx, s.Name, op, true)
	ctx.Emit("opt_in", "service", s.Name, "operator", op.String())
	return nil
}

func checkOptIn(ctx state.Ctx, s Service, o Operator, mem Membership) error {
	if mem.OptedIn {
		return state.Reject("already-opted-in", "operator %s is already opted in to %s", o.Address, s.Name)
	}
	if s.Allowlist && !mem.Allowed {
		return state.Reject("not-allowed", "service %s admits only allowlisted operators; %s is not allowed", s.Name, o.Address)
	}
	deg := o.Degree
	if o.Pending != nil && o.Pending.Degree > deg {
		deg = o.Pending.Degree
	}
	if s.MaxOperatorDegree != 0 && deg > s.MaxOperatorDegree {
		return state.Reject("degree-above-service-cap", "service %s accepts operators of degree at most %d; %s has %d", s.Name, s.MaxOperatorDegree, o.Address, deg)
	}
	return checkMinStake(ctx.KV, s, o.Address)
}

// checkMinStake: joining a service, or allocating more to it, needs at
// least its min_operator_stake (native units) in the assets it accepts.
func checkMinStake(r store.Reader, s Service, op account.Address) error {
	if s.MinOperatorStake.IsZero() {
		return nil
	}
	stake, err := operatorStakeValue(r, op, s.Assets)
	if err != nil {
		return err
	}
	if stake.LT(s.MinOperatorStake) {
		return state.Reject("operator-stake-too-low", "service %s requires %s native units of stake in its assets; %s has %s", s.Name, s.MinOperatorStake, op, stake)
	}
	return nil
}

// indexService adds svc to op's services (pruning memberships that are no
// longer slashable when the index is full).
func indexService(ctx state.Ctx, o *Operator, svc string, mem *Membership) error {
	if mem.Counted {
		return nil
	}
	if o.Services >= MaxServicesPerOperator {
		if err := pruneServices(ctx, o); err != nil {
			return err
		}
	}
	if o.Services >= MaxServicesPerOperator {
		return state.Reject("too-many-services", "operator %s is a member of %d services (the maximum); opt out of one and wait deallocation_delay", o.Address, o.Services)
	}
	o.Services++
	mem.Counted = true
	saveOperator(ctx.KV, o)
	ctx.KV.Set(opServiceKey(o.Address, svc), []byte{})
	return nil
}

// pruneServices drops from the index the services op left whose
// slashable window has ended and to which nothing stays allocated.
func pruneServices(ctx state.Ctx, o *Operator) error {
	names, err := servicesOf(ctx.KV, o.Address)
	if err != nil {
		return err
	}
	for _, name := range names {
		mem, _, err := loadMember(ctx.KV, name, o.Address)
		if err != nil {
			return err
		}
		if mem.slashable(ctx.Time_s) {
			continue
		}
		s, err := loadService(ctx.KV, name, ctx.Time_s)
		if err != nil {
			return err
		}
		if live, err := hasAllocation(ctx.KV, o.Address, s); err != nil || live {
			if err != nil {
				return err
			}
			continue
		}
		mem.Counted = false
		state.Put(ctx.KV, memberKey(name, o.Address), &mem)
		ctx.KV.Delete(opServiceKey(o.Address, name))
		o.Services--
	}
	return nil
}

// HandleOptOut leaves a service: allocations to it are scheduled to drop to
// zero and the operator stays slashable for deallocation_delay.
func HandleOptOut(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgOptOut) error {
	op, err := state.Owner("operator", m.GetOperator(), signer, "opt its operator out")
	if err != nil {
		return err
	}
	s, err := loadService(ctx.KV, m.GetService(), ctx.Time_s)
	if err != nil {
		return err
	}
	mem, _, err := loadMember(ctx.KV, s.Name, op)
	if err != nil {
		return err
	}
	if !mem.OptedIn {
		return state.Reject("not-opted-in", "operator %s is not opted in to %s", op, s.Name)
	}
	if err := optOut(ctx, p, s, op, &mem); err != nil {
		return err
	}
	state.Put(ctx.KV, memberKey(s.Name, op), &mem)
	ctx.Emit("opt_out", "service", s.Name, "operator", op.String(), "slashable_until_s", i64s(mem.SlashableUntil_s))
	return nil
}

func optOut(ctx state.Ctx, p params.Params, s Service, op account.Address, mem *Membership) error {
	mem.OptedIn = false
	mem.SlashableUntil_s = num.AddTime(ctx.Time_s, p.DeallocationDelay_s)
	recordMember(ctx, s.Name, op, false)
	for _, a := range s.Assets {
		if err := deallocateAll(ctx, p, op, a, s.Name, mem.SlashableUntil_s); err != nil {
			return err
		}
	}
	return nil
}

// operatorStakeValue is the native-unit value of op's delegated stake in assets.
func operatorStakeValue(r store.Reader, op account.Address, assets []string) (num.Int, error) {
	var total num.Int
	for _, d := range assets {
		vv, err := vaultOf(r, op, d)
		if err != nil {
			return total, err
		}
		a := vv.asset
		t, err := vv.toTokens(vv.active())
		if err != nil {
			return total, err
		}
		v, err := nativeValue(r, a, t)
		if err != nil {
			return total, err
		}
		if total, err = total.Add(v); err != nil {
			return total, err
		}
	}
	return total, nil
}
