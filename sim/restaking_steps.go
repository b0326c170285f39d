package sim

import (
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

// Restaking transaction steps (SPEC §10). Accounts are named, services by
// their `name`, operators by their account. Durations ("1d"), degrees and
// other values the chain interprets pass through as written, so a scenario
// can check that the chain rejects bad ones; only their syntax as numbers
// or coins is checked at load time.

func buildRegisterAsset(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgRegisterAsset{Authority: me, Denom: f.denom("denom"), Price: f.dec("price", true)}
	return from, m
}

func buildSetPrice(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgSetPrice{Authority: me, Denom: f.denom("denom"), Price: f.dec("price", true)}
	return from, m
}

func buildRegisterOperator(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgRegisterOperator{
		Operator:        me,
		Validator:       f.optAddress("validator"),
		AllocationDelay: f.str("allocation_delay", false),
		Degree:          f.str("degree", false),
		Commission:      f.dec("commission", false),
		Metadata:        f.str("metadata", false),
	}
	return from, m
}

func buildUpdateOperator(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgUpdateOperator{
		Operator:        me,
		AllocationDelay: f.str("allocation_delay", false),
		Degree:          f.str("degree", false),
		Metadata:        f.str("metadata", false),
	}
	return from, m
}

// serviceTerms are the fields register_service and update_service share.
// resolver may be `none` (no veto) and destination `burn`; both are
// otherwise account names.
type serviceTerms struct {
	slasher, resolver, vetoWindow, maxSlash, destination  string
	policy, minStake, maxDegree, pfc, threshold, metadata string
}

// readServiceTerms reads the shared fields; required is true for
// register_service, whose slasher, pfc and threshold SPEC §10 requires.
func readServiceTerms(f *fields, required bool) serviceTerms {
	t := serviceTerms{}
	if required {
		t.slasher = f.address("slasher")
	} else {
		t.slasher = f.optAddress("slasher")
	}
	t.resolver = f.keyword("resolver", "none")
	t.vetoWindow = f.str("veto_window", false)
	t.maxSlash = f.dec("max_slash_fraction", false)
	t.destination = f.keyword("destination", "burn")
	t.policy = f.str("policy", false)
	t.minStake = f.amount("min_operator_stake", false)
	t.maxDegree = f.str("max_operator_degree", false)
	t.pfc = f.amount("pfc", required)
	t.threshold = f.dec("threshold", required)
	t.metadata = f.str("metadata", false)
	return t
}

func buildRegisterService(f *fields) (*acct, proto.Message) {
	from := f.account("from")
	name := f.str("name", true)
	assets := f.values("assets", true)
	t := readServiceTerms(f, true)
	m := &tx.MsgRegisterService{
		Name: name, Slasher: t.slasher, Resolver: t.resolver, VetoWindow: t.vetoWindow, Assets: assets,
		MaxSlashFraction: t.maxSlash, Destination: t.destination, Policy: t.policy,
		MinOperatorStake: t.minStake, MaxOperatorDegree: t.maxDegree, Pfc: t.pfc, Threshold: t.threshold, Metadata: t.metadata,
	}
	if f.err == nil {
		m.Admin = from.addr.String()
	}
	return from, m
}

// buildUpdateService: a service's assets are only ever added to (its
// stakers chose it for those assets): `assets` (SPEC §10) and `add_assets`
// both list assets it must accept; those it already accepts are kept.
func buildUpdateService(f *fields) (*acct, proto.Message) {
	from := f.account("from")
	name := f.str("name", true)
	add := append(f.values("assets", false), f.values("add_assets", false)...)
	t := readServiceTerms(f, false)
	m := &tx.MsgUpdateService{
		Name: name, Slasher: t.slasher, Resolver: t.resolver, VetoWindow: t.vetoWindow, AddAssets: add,
		MaxSlashFraction: t.maxSlash, Destination: t.destination, Policy: t.policy,
		MinOperatorStake: t.minStake, MaxOperatorDegree: t.maxDegree, Pfc: t.pfc, Threshold: t.threshold,
		Metadata: t.metadata, NewAdmin: f.optAddress("new_admin"),
	}
	if f.err == nil {
		m.Admin = from.addr.String()
	}
	return from, m
}

func buildAllowOperator(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgAllowOperator{Admin: me, Service: f.str("service", true), Operator: f.address("operator")}
	return from, m
}

func buildDisallowOperator(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgDisallowOperator{Admin: me, Service: f.str("service", true), Operator: f.address("operator")}
	return from, m
}

func buildOptIn(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgOptIn{Operator: me, Service: f.str("service", true)}
	return from, m
}

func buildOptOut(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgOptOut{Operator: me, Service: f.str("service", true)}
	return from, m
}

func buildDeposit(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgDeposit{Staker: me, Operator: f.address("operator"), Amount: f.coin("amount")}
	return from, m
}

func buildQueueWithdrawal(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgQueueWithdrawal{Staker: me, Operator: f.address("operator"), Amount: f.coin("amount")}
	return from, m
}

func buildCompleteWithdrawal(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgCompleteWithdrawal{Staker: me, Id: f.id("id")}
	return from, m
}

func buildAllocate(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgAllocate{Operator: me, Service: f.str("service", true), Asset: f.denom("asset"), Magnitude: f.dec("magnitude", true)}
	return from, m
}

func buildSetOperatorCommission(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgSetOperatorCommission{Operator: me, Service: f.str("service", true), Rate: f.dec("rate", true)}
	return from, m
}

func buildSlash(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgSlash{
		Slasher:  me,
		Service:  f.str("service", true),
		Operator: f.address("operator"),
		Fraction: f.dec("fraction", true),
		Assets:   f.values("assets", false),
		Reason:   f.str("reason", false),
	}
	return from, m
}

func buildVetoSlash(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgVetoSlash{Resolver: me, Id: f.id("id")}
	return from, m
}

// buildExecuteSlash: anyone may execute a slash once its window is over.
func buildExecuteSlash(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgExecuteSlash{Signer: me, Id: f.id("id")}
	return from, m
}

func buildClaimRedistribution(f *fields) (*acct, proto.Message) {
	from, me := f.signer()
	m := &tx.MsgClaimRedistribution{Recipient: me, Id: f.id("id")}
	return from, m
}
