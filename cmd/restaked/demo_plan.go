package main

import (
	"crypto/ed25519"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/tx"
)

// devnetAddr is the address of the devnet demo key name.
func devnetAddr(name string) account.Address {
	return account.FromPubKey(devnetKey(name).Public().(ed25519.PublicKey))
}

func demoStakerName(i int) string { return fmt.Sprintf("staker%02d", i+1) }

// demoStaker is one staker row, derived from its index: profiles and home
// operators cycle, sizes cycle at another period.
type demoStaker struct {
	name     string
	profile  demoProfile
	home     int
	size     uint64
	liquid   num.Int      // stake liquid-staked first
	deposits []coinWithOp // what it restakes, in order
}

type coinWithOp struct {
	operator string
	coin     coin.Coin
}

func demoStakerRows() []demoStaker {
	out := make([]demoStaker, demoStakers)
	for i := range out {
		s := demoStaker{name: demoStakerName(i), home: i % len(demoOperators),
			profile: demoProfiles[(i/len(demoOperators))%len(demoProfiles)], size: demoSizes[i%len(demoSizes)]}
		s.liquid = num.NewInt(s.profile.liquid * s.size * demoUnit)
		for _, d := range s.profile.deposits {
			op := demoOperators[(s.home+d.offset)%len(demoOperators)].name
			s.deposits = append(s.deposits, coinWithOp{op, coin.New(d.denom, num.NewInt(d.units*s.size*demoUnit))})
		}
		out[i] = s
	}
	return out
}

// funding is what the staker holds at genesis: twice what it stakes, so
// it keeps a liquid balance and pays its fees.
func (s demoStaker) funding() string {
	stake, usdc := s.profile.liquid*s.size*demoUnit, uint64(0)
	for _, d := range s.profile.deposits {
		switch d.denom {
		case "stake":
			stake += d.units * s.size * demoUnit
		case "usdc":
			usdc += d.units * s.size * demoUnit
		}
	}
	out := fmt.Sprintf("%dstake", 2*stake+demoUnit)
	if usdc > 0 {
		out += fmt.Sprintf(",%dusdc", 2*usdc)
	}
	return out
}

// demoServiceAccounts lists a service's account names: admin and slasher,
// then council and treasury when its terms use them.
func demoServiceAccounts(s demoService) []string {
	out := []string{s.name + "-admin", s.name + "-slasher"}
	if s.veto != "" {
		out = append(out, s.name+"-council")
	}
	if s.redistribute {
		out = append(out, s.name+"-treasury")
	}
	return out
}

// demoAccounts are the demo's genesis accounts besides the devnet's own,
// each with a key named after it.
func demoAccounts() []namedCoins {
	var out []namedCoins
	for _, o := range demoOperators[1:] {
		out = append(out, namedCoins{o.name, demoOperatorStake})
	}
	for _, s := range demoServices {
		for i, n := range demoServiceAccounts(s) {
			out = append(out, namedCoins{n, serviceFunding(s, i == 0)})
		}
	}
	for _, s := range demoStakerRows() {
		out = append(out, namedCoins{s.name, s.funding()})
	}
	return out
}

// serviceFunding is a service account's genesis balance: fees, and for
// the admin its reward program.
func serviceFunding(s demoService, admin bool) string {
	fees := coin.Coins{coin.New("stake", num.NewInt(demoAccountStake))}
	if !admin || s.program == nil {
		return fees.String()
	}
	total, _ := fees.Add(coin.Coins{s.program.coin()}) // two uint64 amounts: no overflow
	return total.String()
}

func (p demoProgram) coin() coin.Coin { return coin.New(p.denom, num.NewInt(p.amount)) }

// demoValidators are the extra genesis validators. Their consensus keys
// are derived from public names too: no node signs with them.
func demoValidators() []chain.GenesisValidator {
	var out []chain.GenesisValidator
	for _, o := range demoOperators[1:] {
		cons := devnetKey("consensus/" + o.name).Public().(ed25519.PublicKey)
		out = append(out, chain.GenesisValidator{Operator: devnetAddr(o.name), ConsPubKey: cons,
			SelfDelegation: num.MustInt(o.selfDelegation), Commission: num.MustDec(o.commission), Moniker: o.moniker})
	}
	return out
}

// applyDemoParams sets the demo's genesis parameters.
func applyDemoParams(p *params.Params) error {
	for _, dp := range demoParams {
		if err := p.Set(dp.name, dp.value); err != nil {
			return err
		}
	}
	return nil
}

// demoTx is one transaction of the seeding: every message signed by signer.
type demoTx struct {
	signer string
	msgs   []proto.Message
}

// demoPhase is a set of transactions that depend only on earlier phases,
// with one transaction per signer, so sequences can be read from the API.
type demoPhase struct {
	name string
	txs  []demoTx
}

// demoPlan is the seeding, phase by phase.
func demoPlan() []demoPhase {
	return []demoPhase{
		{"register operators and usdc", operatorTxs()},
		{"register services and restake", append(serviceTxs(), stakerTxs()...)},
		{"allowlist operators", allowTxs()},
		{"opt in and allocate", allocationTxs()},
		{"fund reward programs", programTxs()},
	}
}

func operatorTxs() []demoTx {
	var out []demoTx
	for i, o := range demoOperators {
		addr := devnetAddr(o.name).String()
		var msgs []proto.Message
		if i == 0 { // the devnet validator is also the authority
			msgs = append(msgs, &tx.MsgRegisterAsset{Authority: addr, Denom: "usdc", Price: demoUSDCPrice})
		}
		msgs = append(msgs, &tx.MsgRegisterOperator{Operator: addr, Validator: addr, AllocationDelay: o.allocationDelay,
			Degree: o.degree, Commission: o.commission, Metadata: o.moniker})
		out = append(out, demoTx{o.name, msgs})
	}
	return out
}

func serviceTxs() []demoTx {
	var out []demoTx
	for _, s := range demoServices {
		m := &tx.MsgRegisterService{Admin: devnetAddr(s.name + "-admin").String(), Name: s.name,
			Slasher: devnetAddr(s.name + "-slasher").String(), Assets: s.assets, MaxSlashFraction: s.maxSlash,
			Destination: "burn", Policy: "open", MinOperatorStake: s.minOpStake, MaxOperatorDegree: s.maxOpDegree,
			Pfc: s.pfc, Threshold: s.threshold, Metadata: s.about}
		if s.veto != "" {
			m.Resolver, m.VetoWindow = devnetAddr(s.name+"-council").String(), s.veto
		}
		if s.redistribute {
			m.Destination = devnetAddr(s.name + "-treasury").String()
		}
		if s.allowlist != nil {
			m.Policy = "allowlist"
		}
		out = append(out, demoTx{s.name + "-admin", []proto.Message{m}})
	}
	return out
}

func stakerTxs() []demoTx {
	var out []demoTx
	for _, s := range demoStakerRows() {
		addr := devnetAddr(s.name).String()
		var msgs []proto.Message
		if !s.liquid.IsZero() {
			msgs = append(msgs, &tx.MsgLiquidStake{From: addr, Amount: coin.New("stake", s.liquid).String()})
		}
		for _, d := range s.deposits {
			msgs = append(msgs, &tx.MsgDeposit{Staker: addr, Operator: devnetAddr(d.operator).String(), Amount: d.coin.String()})
		}
		out = append(out, demoTx{s.name, msgs})
	}
	return out
}

func allowTxs() []demoTx {
	var out []demoTx
	for _, s := range demoServices {
		var msgs []proto.Message
		for _, op := range s.allowlist {
			msgs = append(msgs, &tx.MsgAllowOperator{Admin: devnetAddr(s.name + "-admin").String(), Service: s.name,
				Operator: devnetAddr(op).String()})
		}
		if len(msgs) > 0 {
			out = append(out, demoTx{s.name + "-admin", msgs})
		}
	}
	return out
}

func allocationTxs() []demoTx {
	var out []demoTx
	for _, o := range demoOperators {
		addr := devnetAddr(o.name).String()
		var msgs []proto.Message
		for _, j := range o.joins {
			msgs = append(msgs, &tx.MsgOptIn{Operator: addr, Service: j.service})
			for _, a := range j.allocs {
				msgs = append(msgs, &tx.MsgAllocate{Operator: addr, Service: j.service, Asset: a.asset, Magnitude: a.magnitude})
			}
		}
		out = append(out, demoTx{o.name, msgs})
	}
	return out
}

// programTxs: each service with a program funds it, starting at once (an
// operator's stake earns from when its allocation takes effect; what is
// emitted before comes back to the admin at the end).
func programTxs() []demoTx {
	var out []demoTx
	for _, s := range demoServices {
		if s.program == nil {
			continue
		}
		m := &tx.MsgCreateRewardProgram{Admin: devnetAddr(s.name + "-admin").String(), Service: s.name,
			Amount: s.program.coin().String(), Duration: demoProgramDuration}
		out = append(out, demoTx{s.name + "-admin", []proto.Message{m}})
	}
	return out
}
