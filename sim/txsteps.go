package sim

import (
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
	"gopkg.in/yaml.v3"
)

// builder reads a transaction step's fields and returns its signer and
// message. Field errors stick in f and are reported by the caller.
type builder func(f *fields) (*acct, proto.Message)

// txKind makes a step kind from a message builder. Every transaction step
// also accepts an optional `fee`.
func txKind(build builder) stepKind { return timedTxKind(build, nil) }

// timedTxKind is txKind for a message with a field that depends on the
// block it runs in: at completes a copy of the message with the block time.
func timedTxKind(build builder, at func(m proto.Message, now_s int64)) stepKind {
	decode := func(b *book, body *yaml.Node, what string) (action, error) {
		f := newFields(b, body, what)
		fee := ""
		if f.has("fee") {
			fee = f.coin("fee")
		}
		from, msg := build(f)
		if err := f.done(); err != nil {
			return nil, err
		}
		return txAction{from: from, msg: msg, fee: fee, at: at}, nil
	}
	return stepKind{decode: decode, class: classTx}
}

// txAction signs and delivers one message.
type txAction struct {
	from *acct
	msg  proto.Message
	fee  string                             // "" = the chain's min_fee
	at   func(m proto.Message, now_s int64) // nil: msg is sent as built
}

func (t txAction) run(s *Sim) (string, error) {
	msg := t.msg
	if t.at != nil {
		msg = proto.Clone(t.msg) // the decoded step stays as written
		t.at(msg, s.time_s)
	}
	if err := s.deliver(t.from, msg, t.fee); err != nil {
		return "", err
	}
	return "ok", nil
}

func buildSend(f *fields) (*acct, proto.Message) {
	from, to := f.account("from"), f.account("to")
	m := &tx.MsgSend{Amount: f.coins("amount")}
	if f.err == nil {
		m.From, m.To = from.addr.String(), to.addr.String()
	}
	return from, m
}

func buildCreateValidator(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgCreateValidator{Operator: me, SelfDelegation: f.coin("self_delegation"), Commission: f.dec("commission", true), Moniker: f.str("moniker", false)}
	if f.err == nil {
		m.Operator, m.ConsPubKey = from.addr.String(), from.consKey()
		if m.Moniker == "" {
			m.Moniker = from.name
		}
	}
	return from, m
}

func buildEditValidator(f *fields) (*acct, proto.Message) {
	from := f.account("from")
	m := &tx.MsgEditValidator{Commission: f.dec("commission", false), Moniker: f.str("moniker", false)}
	if f.err == nil && m.Commission == "" && m.Moniker == "" {
		f.fail("set commission or moniker")
	}
	return from, m
}

func buildDelegate(f *fields) (*acct, proto.Message) {
	from, val := f.account("from"), f.account("validator")
	m := &tx.MsgDelegate{Amount: f.coin("amount")}
	if f.err == nil {
		m.Delegator, m.Validator = from.addr.String(), val.addr.String()
	}
	return from, m
}

func buildUndelegate(f *fields) (*acct, proto.Message) {
	from, val := f.account("from"), f.account("validator")
	m := &tx.MsgUndelegate{Amount: f.coin("amount")}
	if f.err == nil {
		m.Delegator, m.Validator = from.addr.String(), val.addr.String()
	}
	return from, m
}

func buildUnjail(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgUnjail{Validator: me}
	return from, m
}

func buildClaimRewards(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgClaimRewards{Account: me}
	return from, m
}

// buildSetParams leaves names and values to the chain, so a scenario can
// test that bad params are rejected.
func buildSetParams(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgSetParams{Authority: me}
	for _, p := range f.mapping("params") {
		v, _ := scalar(p.val)
		m.Params = append(m.Params, &tx.Param{Name: p.key, Value: v})
	}
	return from, m
}

func buildLiquidStake(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgLiquidStake{From: me, Amount: f.coin("amount")}
	return from, m
}

func buildLiquidUnstake(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgLiquidUnstake{From: me, Amount: f.coin("amount")}
	return from, m
}
