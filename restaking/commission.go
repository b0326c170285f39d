package restaking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// Commission is an operator's cut of one service's rewards (SPEC §7). It
// defaults to the commission the operator registered with; every change
// waits commission_change_delay, so no change can be timed against a
// reward already visible to stakers (SPEC §13).
type Commission struct {
	Rate        num.Dec  `json:"rate"`
	Pending     *num.Dec `json:"pending,omitempty"`
	Effective_s int64    `json:"pending_effective_s,omitempty"`
}

const commissionVersion = 1

// MarshalRecord is the binary encoding (read on every reward collection).
func (c *Commission) MarshalRecord() []byte {
	w := state.NewWriter(commissionVersion, 48)
	w.Dec(c.Rate)
	w.Bool(c.Pending != nil)
	if c.Pending != nil {
		w.Dec(*c.Pending)
		w.Varint(c.Effective_s)
	}
	return w.Out()
}

func (c *Commission) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, commissionVersion)
	c.Rate, c.Pending, c.Effective_s = r.Dec(), nil, 0
	if r.Bool() {
		p := r.Dec()
		c.Pending, c.Effective_s = &p, r.Varint()
	}
	return r.Done()
}

func (c Commission) current(now_s int64) Commission {
	if c.Pending != nil && now_s >= c.Effective_s {
		c.Rate, c.Pending, c.Effective_s = *c.Pending, nil, 0
	}
	return c
}

func commissionKey(op account.Address, svc string) []byte {
	return appendCommissionKey(make([]byte, 0, len(prefixCommission)+len(op)+len(svc)), op, svc)
}

// appendCommissionKey appends commissionKey(op, svc) to dst (hot reads
// build it in scratch memory).
func appendCommissionKey(dst []byte, op account.Address, svc string) []byte {
	return append(append(append(dst, prefixCommission...), op[:]...), svc...)
}

// OperatorCommission is op's commission on svc in force at now_s, with any
// pending change.
func OperatorCommission(r store.Reader, op account.Address, svc string, now_s int64) (Commission, error) {
	c, found, err := loadRecord[Commission](r, commissionKey(op, svc))
	if err != nil || found {
		return c.current(now_s), err
	}
	o, err := loadOperator(r, op, now_s)
	return Commission{Rate: o.Commission}, err
}

// HandleSetOperatorCommission schedules the signer's commission on a service.
func HandleSetOperatorCommission(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgSetOperatorCommission) error {
	op, err := state.Owner("operator", m.GetOperator(), signer, "set its commission")
	if err != nil {
		return err
	}
	if _, err := loadService(ctx.KV, m.GetService(), ctx.Time_s); err != nil {
		return err
	}
	if m.GetRate() == "" {
		return state.Reject("bad-fraction", "rate is required")
	}
	rate, err := parseFraction("rate", m.GetRate(), num.Dec{}, true)
	if err != nil {
		return err
	}
	if err := applyCommissionIfDue(ctx, op, m.GetService()); err != nil {
		return err
	}
	c, err := OperatorCommission(ctx.KV, op, m.GetService(), ctx.Time_s)
	if err != nil {
		return err
	}
	if c.Pending != nil {
		ctx.KV.Delete(commQueueKey(c.Effective_s, op, m.GetService()))
	}
	c.Pending, c.Effective_s = &rate, num.AddTime(ctx.Time_s, p.CommissionChangeDelay_s)
	state.Put(ctx.KV, commissionKey(op, m.GetService()), &c)
	ctx.KV.Set(commQueueKey(c.Effective_s, op, m.GetService()), []byte{})
	ctx.Emit("set_operator_commission", "operator", op.String(), "service", m.GetService(),
		"rate", rate.String(), "effective_s", i64s(c.Effective_s))
	return nil
}
