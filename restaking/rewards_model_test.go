package restaking_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"
)

// Service reward programs against a reference model (SPEC §7, §11).
//
// A real chain (every invariant, including the exact per-stream books,
// checked after every block) runs random interleavings of program
// creation and cancellation, deposits, withdrawals, allocations (to zero
// too), slashes, commission changes, opt-outs and opt-ins, price changes,
// claims and blocks of random length. Beside it, the model pays each block's emission
// E(t) − E(t_prev) of every program the naive way, with exact rationals
// (math/big.Rat), iterating every operator and every staker:
//
//   - to the service's assets by the native-unit value of their allocated
//     stake, floor(U_a · v_a): the native value of an amount is an integer
//     number of native base units everywhere in the chain (nativeValue,
//     rounding down), so the model takes the same per-asset values;
//   - within an asset, to operators by weight: the effective allocated
//     amount read from restaking.AllocatedStake;
//   - the operator keeps its commission (restaking.OperatorCommission in
//     force), the rest goes to the vault's positions pro rata by scaled
//     shares (restaking.Positions).
//
// Weights, rates and shares are read at the end of each block, before the
// next block's BeginBlock emits: the emission of block t is for
// (t_prev, t] and uses the stake and rates in force over that interval.
//
// Checks after every block:
//
//	(a) per program: Amount = (Amount − Emitted) + Unassigned + Credited
//	    exactly, Emitted = Amount once closed (the refund, all of
//	    Unassigned, shows in the admin's balance below); Emitted = E(t) of the model while
//	    active; Credited ≤ the model's credit, equal to it while no block
//	    split an emission across two assets with stake (each such block
//	    may lose < 1 base unit per asset to unassigned); each admin holds
//	    exactly its funds − programs funded + refunds.
//	(b) per account and reward denom, with actual = claimed + pending:
//	    actual ≤ model + up and model − actual ≤ down (base units), where
//
//	    up   = Σ_streams 1  (the carry a stream held when the account joined)
//	         + Σ_{blocks × streams held, commission > 0} 1
//	                        (floor(rate · owed) leaves < 1 base unit of the
//	                        operator's cut to the stakers at each pull, and
//	                        a stream is pulled with new rewards at most
//	                        once per block, as accumulators only rise in
//	                        BeginBlock)
//	         + closures     (a closed position hands its carried remainder,
//	                        < 1 base unit, back to the vault's stakers)
//	         + commission changes (a carry paid at a different rate)
//	         + 1e-9         (service-level carries, < U·1e-36 per block)
//	    down = Σ_streams 3  (the carries at the operator, staker and
//	                        position levels, each < 1 base unit, pending or
//	                        left behind)
//	         + Σ_{blocks × streams held, commission > 0} 1 for operators
//	                        (the floor of their cut at each pull)
//	         + Σ_{blocks × (asset, stream) held, ≥ 2 assets with stake} 1
//	                        (the floor of each asset's share of the block)
//	         + commission changes
//
//	    where a stream is (account, operator, asset, service, denom): so
//	    at most a few base units per block per stream the account holds.
//
// At the end every program is run out, everyone claims, and the rewards
// account holds nothing but carried remainders (< 1 base unit a record).
//
// The default run is short (rapid's 100 checks, ≤ 60 steps each). A longer
// search:
//
//	go test ./restaking -run TestRewardsMatchModel -rapid.checks=10000   # about 4 minutes
//
// Amounts stay ≤ 1e30: a stream that spreads more than about
// 1.16e41 × U base units in all (U: the service's weight in the asset)
// overflows its 1e36-scaled accumulator, and BeginBlock then fails.

var (
	rmStakers  = []string{"alice", "bob", "carol", "dave"}
	rmOps      = []string{"op", "op2"}
	rmAdmins   = []string{"svc", "svc2"}
	rmDenoms   = []string{"rwa", "rwb"}
	rmAssets   = []string{"usdc", "eth"}
	rmAccounts = []string{"alice", "bob", "carol", "dave", "op", "op2", "svc", "svc2"}
	rmServices = []rmService{
		{name: "a", admin: "svc", assets: []string{"usdc"}},
		{name: "b", admin: "svc2", assets: []string{"usdc", "eth"}},
		{name: "c", admin: "svc", assets: []string{"eth"}},
	}
)

// rmAdminFunds is each admin's genesis balance of each reward denom (1e39).
const rmAdminFunds = "1000000000000000000000000000000000000000"

type rmService struct {
	name, admin string
	assets      []string
}

func rmServiceNamed(name string) rmService {
	for _, s := range rmServices {
		if s.name == name {
			return s
		}
	}
	panic(name)
}

// newRewardModelH: stakers with usdc and eth, two operators (degree 2),
// three services over usdc (price 0.5) and eth (price 3), two reward
// denoms held by the admins, and short delays so that commission changes,
// deallocations and withdrawals complete within a sequence.
func newRewardModelH(t testing.TB) *h {
	t.Helper()
	g := genesis(func(p *params.Params) {
		p.MaxRestakingDegree = 2
		p.CommissionChangeDelay_s = 20
		p.DeallocationDelay_s = 40
		p.WithdrawalDelay_s = 60
	})
	g.Accounts = append(g.Accounts,
		chain.GenesisAccount{Address: addr("dave"), Coins: "1000000stake,1000000usdc"},
		chain.GenesisAccount{Address: addr("op2"), Coins: "1000000stake,1000000usdc"})
	for i := range g.Accounts {
		ga := &g.Accounts[i]
		switch ga.Address {
		case addr("alice"), addr("bob"), addr("carol"), addr("dave"):
			ga.Coins += ",1000000eth"
		case addr("svc"), addr("svc2"):
			ga.Coins += ",1000000eth," + rmAdminFunds + "rwa," + rmAdminFunds + "rwb"
		}
	}
	x := newGenesisH(t, g)
	x.ok("authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "usdc", Price: "0.5"},
		&tx.MsgRegisterAsset{Authority: s("authority"), Denom: "eth", Price: "3"})
	x.ok("op", &tx.MsgRegisterOperator{Operator: s("op"), Degree: "2", Commission: "0.1"})
	x.ok("op2", &tx.MsgRegisterOperator{Operator: s("op2"), Degree: "2", Commission: "0", AllocationDelay: "30s"})
	for _, sv := range rmServices {
		x.ok(sv.admin, registerService(sv.admin, sv.name, sv.assets...))
	}
	for _, op := range rmOps {
		x.ok(op, optIn(op, "a"), optIn(op, "b"), optIn(op, "c"))
	}
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("bob", &tx.MsgDeposit{Staker: s("bob"), Operator: s("op2"), Amount: "3000eth"})
	x.ok("op", allocate("op", "a", "usdc", "0.5"), allocate("op", "b", "usdc", "0.5"))
	x.ok("op2", allocate("op2", "b", "eth", "1"))
	x.advance(block_s)
	return x
}

// newGenesisH is newH over a given genesis (no asset registered).
func newGenesisH(t testing.TB, g chain.Genesis) *h {
	t.Helper()
	return newGenesisHOn(t, g, store.NewMemBase())
}

// newGenesisHOn is newGenesisH on a given base store.
func newGenesisHOn(t testing.TB, g chain.Genesis, base store.Base) *h {
	t.Helper()
	c, err := chain.New(chainID, base)
	if err != nil {
		t.Fatal(err)
	}
	c.CheckInvariants, c.VerifySignatures = true, false
	if _, _, err := c.InitChain(g, start_s); err != nil {
		t.Fatal(err)
	}
	x := &h{t: t, c: c, time: start_s}
	x.begin(block_s)
	return x
}

// rmProgram is the model's copy of a program's schedule.
type rmProgram struct {
	id                uint64
	svc, denom, admin string
	amount            *big.Int
	start             int64
	dur               int64
	emitted           *big.Int // E(t) at the last block
	cancelled, ended  bool
	credited          *big.Rat // what the model handed out
	slack             int64    // base units the chain may have left unassigned by splitting across assets
}

// emittedBy is E(t) = floor(amount · clamp(t − start, 0, dur) / dur).
func (p *rmProgram) emittedBy(t int64) *big.Int {
	if t <= p.start {
		return new(big.Int)
	}
	el := t - p.start
	if el >= p.dur {
		return new(big.Int).Set(p.amount)
	}
	x := new(big.Int).Mul(p.amount, big.NewInt(el))
	return x.Quo(x, big.NewInt(p.dur))
}

type rmWd struct {
	id     uint64
	staker string
}

// rmModel is the reference: every account's earnings per denom, exact.
type rmModel struct {
	progs    []*rmProgram
	earned   map[string]*big.Rat // account/denom
	claimed  map[string]*big.Int // account/denom
	up, down map[string]int64    // account/denom
	streams  map[string]bool     // account/op/asset/service/denom ever credited
	wds      []rmWd
	closures int64
	changes  int64               // commission changes scheduled
	funded   map[string]*big.Int // admin/denom
}

func newRMModel() *rmModel {
	return &rmModel{earned: map[string]*big.Rat{}, claimed: map[string]*big.Int{}, up: map[string]int64{},
		down: map[string]int64{}, streams: map[string]bool{}, funded: map[string]*big.Int{}}
}

func ad(acct, denom string) string { return acct + "/" + denom }

// rmSnap is the chain's stake, rates and shares at the end of a block.
type rmSnap struct {
	weight map[string]num.Int // service/asset/op
	value  map[string]num.Dec // asset
	rate   map[string]num.Dec // op/service
	sigma  map[string]num.Int // op/asset/staker
}

func snapshot(rt *rapid.T, x *h) rmSnap {
	r := x.c.BlockState()
	sn := rmSnap{weight: map[string]num.Int{}, value: map[string]num.Dec{}, rate: map[string]num.Dec{}, sigma: map[string]num.Int{}}
	for _, sv := range rmServices {
		for _, a := range sv.assets {
			for _, op := range rmOps {
				w, err := restaking.AllocatedStake(r, addr(op), sv.name, a)
				if err != nil {
					rt.Fatal(err)
				}
				sn.weight[sv.name+"/"+a+"/"+op] = w
			}
		}
		for _, op := range rmOps {
			c, err := restaking.OperatorCommission(r, addr(op), sv.name, x.time)
			if err != nil {
				rt.Fatal(err)
			}
			sn.rate[op+"/"+sv.name] = c.Rate
		}
	}
	assets, err := restaking.Assets(r)
	if err != nil {
		rt.Fatal(err)
	}
	for _, a := range assets {
		if sn.value[a.Denom], err = restaking.AssetValue(r, a); err != nil {
			rt.Fatal(err)
		}
	}
	opOf := map[account.Address]string{}
	for _, op := range rmOps {
		opOf[addr(op)] = op
	}
	for _, st := range rmStakers {
		list, err := restaking.Positions(r, addr(st))
		if err != nil {
			rt.Fatal(err)
		}
		for _, pv := range list {
			op, ok := opOf[pv.Operator]
			if !ok {
				rt.Fatalf("%s has a position with unknown operator %s", st, pv.Operator)
			}
			sn.sigma[op+"/"+pv.Asset+"/"+st] = pv.Scaled
		}
	}
	return sn
}

// credit books amount for acct from stream (op, asset, svc, denom).
func (m *rmModel) credit(acct, op, asset, svc, denom string, amount *big.Rat) {
	k := ad(acct, denom)
	if m.earned[k] == nil {
		m.earned[k] = new(big.Rat)
	}
	m.earned[k].Add(m.earned[k], amount)
	sk := acct + "/" + op + "/" + asset + "/" + svc + "/" + denom
	if !m.streams[sk] {
		m.streams[sk] = true
		m.up[k]++
		m.down[k] += 3
	}
}

// block pays every program's emission over (before, t] at the snapshot.
func (m *rmModel) block(sn rmSnap, t int64) {
	for _, p := range m.progs {
		if p.cancelled || p.ended {
			continue
		}
		total := p.emittedBy(t)
		e := new(big.Int).Sub(total, p.emitted)
		p.emitted = total
		if total.Cmp(p.amount) == 0 {
			p.ended = true
		}
		if e.Sign() == 0 {
			continue
		}
		m.spread(sn, p, e)
	}
}

func (m *rmModel) spread(sn rmSnap, p *rmProgram, e *big.Int) {
	sv := rmServiceNamed(p.svc)
	units := make([]*big.Int, len(sv.assets))
	values := make([]*big.Int, len(sv.assets))
	sum, withStake := new(big.Int), 0
	for i, a := range sv.assets {
		units[i] = new(big.Int)
		for _, op := range rmOps {
			units[i].Add(units[i], sn.weight[sv.name+"/"+a+"/"+op].Big())
		}
		v := new(big.Int).Mul(units[i], sn.value[a].Raw().Big()) // floor(U · v): native base units
		values[i] = v.Quo(v, num.WAD().Big())
		sum.Add(sum, values[i])
		if values[i].Sign() > 0 {
			withStake++
		}
	}
	if sum.Sign() == 0 {
		return // unassigned: refunded at the end
	}
	if withStake >= 2 {
		p.slack += int64(withStake)
	}
	for i, a := range sv.assets {
		if values[i].Sign() == 0 {
			continue
		}
		share := new(big.Rat).SetFrac(new(big.Int).Mul(e, values[i]), sum)
		p.credited.Add(p.credited, share)
		for _, op := range rmOps {
			w := sn.weight[sv.name+"/"+a+"/"+op]
			if w.IsZero() {
				continue
			}
			x := new(big.Rat).Mul(share, new(big.Rat).SetFrac(w.Big(), units[i]))
			rate := sn.rate[op+"/"+sv.name].Rat()
			cut := new(big.Rat).Mul(x, rate)
			rest := new(big.Rat).Sub(x, cut)
			m.credit(op, op, a, sv.name, p.denom, cut)
			if rate.Sign() > 0 {
				m.down[ad(op, p.denom)]++
			}
			if withStake >= 2 {
				m.down[ad(op, p.denom)]++
			}
			total := new(big.Int)
			for _, st := range rmStakers {
				total.Add(total, sn.sigma[op+"/"+a+"/"+st].Big())
			}
			if total.Sign() == 0 {
				m.credit(op, op, a, sv.name, p.denom, rest)
				continue
			}
			for _, st := range rmStakers {
				sg := sn.sigma[op+"/"+a+"/"+st]
				if sg.IsZero() {
					continue
				}
				m.credit(st, op, a, sv.name, p.denom, new(big.Rat).Mul(rest, new(big.Rat).SetFrac(sg.Big(), total)))
				if rate.Sign() > 0 {
					m.up[ad(st, p.denom)]++
				}
				if withStake >= 2 {
					m.down[ad(st, p.denom)]++
				}
			}
		}
	}
}

// TestRewardsMatchModel: see the top of this file.
func TestRewardsMatchModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		x := newRewardModelH(t)
		x.t = rt
		m := newRMModel()
		steps := rapid.IntRange(1, 60).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			rmStep(rt, x, m)
		}
		rmFinish(rt, x, m)
	})
}

// try delivers msgs signed by label: true on success; an internal error
// (not a rule rejection) fails the test.
func try(rt *rapid.T, x *h, label string, msgs ...proto.Message) bool {
	r := x.deliver(label, msgs...)
	if r.Code == chain.CodeInternal {
		rt.Fatalf("%s: internal error: %s", label, r.Log)
	}
	return r.Code == chain.CodeOK
}

func rmStep(rt *rapid.T, x *h, m *rmModel) {
	switch rapid.IntRange(0, 16).Draw(rt, "action") {
	case 0, 1:
		rmCreate(rt, x, m)
	case 2:
		rmCancel(rt, x, m)
	case 3:
		st, op, a := rmPick(rt)
		amt := rapid.OneOf(rapid.Uint64Range(1, 20), rapid.Uint64Range(21, 100_000)).Draw(rt, "amount")
		try(rt, x, st, &tx.MsgDeposit{Staker: s(st), Operator: s(op), Amount: fmt.Sprintf("%d%s", amt, a)})
	case 4:
		rmQueue(rt, x, m)
	case 5:
		if len(m.wds) > 0 {
			w := m.wds[rapid.IntRange(0, len(m.wds)-1).Draw(rt, "withdrawal")]
			try(rt, x, w.staker, complete(w.staker, w.id))
		}
	case 6:
		op := rapid.SampledFrom(rmOps).Draw(rt, "operator")
		sv := rapid.SampledFrom(rmServices).Draw(rt, "service")
		a := rapid.SampledFrom(sv.assets).Draw(rt, "asset")
		mag := rapid.SampledFrom([]string{"0", "0.1", "0.3", "0.5", "1"}).Draw(rt, "magnitude")
		try(rt, x, op, allocate(op, sv.name, a, mag))
	case 7:
		sv := rapid.SampledFrom(rmServices).Draw(rt, "service")
		op := rapid.SampledFrom(rmOps).Draw(rt, "operator")
		f := rapid.SampledFrom([]string{"0.000001", "0.1", "0.5", "1"}).Draw(rt, "fraction")
		try(rt, x, sv.admin, slash(sv.admin, sv.name, op, f))
	case 8:
		op := rapid.SampledFrom(rmOps).Draw(rt, "operator")
		sv := rapid.SampledFrom(rmServices).Draw(rt, "service")
		rate := rapid.SampledFrom([]string{"0", "0.05", "0.1", "0.333333333333333333", "0.5", "1"}).Draw(rt, "rate")
		if try(rt, x, op, &tx.MsgSetOperatorCommission{Operator: s(op), Service: sv.name, Rate: rate}) {
			m.changes++
		}
	case 9:
		op := rapid.SampledFrom(rmOps).Draw(rt, "operator")
		sv := rapid.SampledFrom(rmServices).Draw(rt, "service")
		if rapid.Bool().Draw(rt, "out") {
			try(rt, x, op, &tx.MsgOptOut{Operator: s(op), Service: sv.name})
		} else {
			try(rt, x, op, optIn(op, sv.name))
		}
	case 10, 11:
		rmClaim(rt, x, m, rapid.SampledFrom(rmAccounts).Draw(rt, "account"))
	case 12:
		a := rapid.SampledFrom(rmAssets).Draw(rt, "asset")
		price := rapid.SampledFrom([]string{"0.000001", "0.5", "1", "3", "1000"}).Draw(rt, "price")
		try(rt, x, "authority", &tx.MsgSetPrice{Authority: s("authority"), Denom: a, Price: price})
	default:
		dt := rapid.SampledFrom([]int64{5, 5, 5, 17, 60, 600, 3600, 86_400}).Draw(rt, "dt")
		rmAdvance(rt, x, m, dt)
	}
}

func rmPick(rt *rapid.T) (staker, op, asset string) {
	return rapid.SampledFrom(rmStakers).Draw(rt, "staker"), rapid.SampledFrom(rmOps).Draw(rt, "operator"),
		rapid.SampledFrom(rmAssets).Draw(rt, "asset")
}

// rmAmount: tiny, small, medium or large (up to 1e30) amounts.
var rmAmount = rapid.Custom(func(rt *rapid.T) *big.Int {
	switch rapid.IntRange(0, 3).Draw(rt, "size") {
	case 0:
		return big.NewInt(rapid.Int64Range(1, 9).Draw(rt, "tiny"))
	case 1:
		return big.NewInt(rapid.Int64Range(10, 10_000).Draw(rt, "small"))
	case 2:
		return big.NewInt(rapid.Int64Range(10_000, 1_000_000_000_000).Draw(rt, "medium"))
	}
	x := big.NewInt(rapid.Int64Range(1, 999_999).Draw(rt, "mantissa"))
	return x.Mul(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(rapid.IntRange(12, 24).Draw(rt, "exponent"))), nil))
})

func rmCreate(rt *rapid.T, x *h, m *rmModel) {
	sv := rapid.SampledFrom(rmServices).Draw(rt, "service")
	signer := sv.admin
	if rapid.IntRange(0, 9).Draw(rt, "wrong admin") == 0 {
		signer = rapid.SampledFrom(rmAccounts).Draw(rt, "signer")
	}
	denom := rapid.SampledFrom(rmDenoms).Draw(rt, "denom")
	amount := rmAmount.Draw(rt, "amount")
	dur := rapid.OneOf(rapid.SampledFrom([]int64{1, 3, 5, 7, 60, 301, 3600, 86_400}), rapid.Int64Range(1, 5000)).Draw(rt, "duration")
	msg := &tx.MsgCreateRewardProgram{Admin: s(signer), Service: sv.name, Amount: amount.String() + denom, Duration: fmt.Sprintf("%ds", dur)}
	start := x.time
	if rapid.Bool().Draw(rt, "later") {
		start += rapid.Int64Range(1, 900).Draw(rt, "offset")
		msg.StartS = start
	}
	if !try(rt, x, signer, msg) {
		return
	}
	if signer != sv.admin {
		rt.Fatalf("%s created a program for %s, administered by %s", signer, sv.name, sv.admin)
	}
	p := &rmProgram{id: uint64(len(m.progs) + 1), svc: sv.name, denom: denom, admin: sv.admin, amount: amount,
		start: start, dur: dur, emitted: new(big.Int), credited: new(big.Rat)}
	m.progs = append(m.progs, p)
	k := ad(sv.admin, denom)
	if m.funded[k] == nil {
		m.funded[k] = new(big.Int)
	}
	m.funded[k].Add(m.funded[k], amount)
	if got := x.program(p.id); got.Service != sv.name || got.Denom != denom || got.Amount.Big().Cmp(amount) != 0 || got.Start_s != start {
		rt.Fatalf("program %d is %+v, created as %+v", p.id, got, p)
	}
}

func rmCancel(rt *rapid.T, x *h, m *rmModel) {
	if len(m.progs) == 0 {
		return
	}
	p := m.progs[rapid.IntRange(0, len(m.progs)-1).Draw(rt, "program")]
	signer := p.admin
	if rapid.IntRange(0, 4).Draw(rt, "wrong admin") == 0 {
		signer = rapid.SampledFrom(rmAccounts).Draw(rt, "signer")
	}
	if !try(rt, x, signer, &tx.MsgCancelRewardProgram{Admin: s(signer), Id: p.id}) {
		return
	}
	if signer != p.admin {
		rt.Fatalf("%s cancelled program %d of %s", signer, p.id, p.admin)
	}
	if p.cancelled || p.ended {
		rt.Fatalf("program %d cancelled after it closed", p.id)
	}
	p.cancelled = true
}

func rmQueue(rt *rapid.T, x *h, m *rmModel) {
	st, op, a := rmPick(rt)
	have := x.withdrawable(st, op, a)
	amt := num.Int{} // 0: close the position whatever it is worth
	if !have.IsZero() && rapid.IntRange(0, 4).Draw(rt, "close") > 0 {
		amt, _ = have.MulDivDown(num.NewInt(rapid.Uint64Range(1, 100).Draw(rt, "percent")), num.NewInt(100))
		if amt.IsZero() {
			return
		}
	}
	before := map[string]num.Int{}
	for _, d := range rmDenoms {
		before[d] = x.balance(st, d)
	}
	r := x.deliver(st, queue(st, op, amt.String()+a))
	// A withdrawal that closes the position pays its service streams out.
	for _, d := range rmDenoms {
		got, err := x.balance(st, d).Sub(before[d])
		if err != nil {
			rt.Fatalf("queue_withdrawal took %s from %s", d, st)
		}
		k := ad(st, d)
		if m.claimed[k] == nil {
			m.claimed[k] = new(big.Int)
		}
		m.claimed[k].Add(m.claimed[k], got.Big())
	}
	if r.Code == chain.CodeInternal {
		rt.Fatalf("queue_withdrawal: internal error: %s", r.Log)
	}
	if r.Code != chain.CodeOK {
		return
	}
	list, err := restaking.WithdrawalsOf(x.c.BlockState(), addr(st), 0, 1, x.time)
	if err != nil || len(list) != 1 {
		rt.Fatalf("withdrawals of %s: %v, %v", st, list, err)
	}
	m.wds = append(m.wds, rmWd{id: list[0].ID, staker: st})
	if p, err := restaking.Withdrawable(x.c.BlockState(), addr(st), addr(op), a); err == nil && p.IsZero() {
		m.closures++ // counted for any position left without value (a closure, or dust)
	}
}

// rmClaim claims for acct: the payment equals what was pending, exactly;
// claiming for someone else is refused and changes nothing.
func rmClaim(rt *rapid.T, x *h, m *rmModel, acct string) {
	if rapid.IntRange(0, 9).Draw(rt, "cross-claim") == 0 {
		other := rapid.SampledFrom(rmAccounts).Draw(rt, "other")
		if other != acct {
			x.fails("wrong-signer", other, claim(acct))
		}
	}
	pend := map[string]num.Int{}
	before := map[string]num.Int{}
	for _, d := range rmDenoms {
		pend[d], before[d] = x.pending(acct, d), x.balance(acct, d)
	}
	x.ok(acct, claim(acct))
	for _, d := range rmDenoms {
		got, err := x.balance(acct, d).Sub(before[d])
		if err != nil || !got.Eq(pend[d]) {
			rt.Fatalf("%s claimed %s%s, pending was %s (%v)", acct, got, d, pend[d], err)
		}
		if !x.pending(acct, d).IsZero() {
			rt.Fatalf("%s still has %s%s pending after claiming", acct, x.pending(acct, d), d)
		}
		k := ad(acct, d)
		if m.claimed[k] == nil {
			m.claimed[k] = new(big.Int)
		}
		m.claimed[k].Add(m.claimed[k], got.Big())
	}
}

// rmAdvance ends the block, snapshots what the next block's emission
// uses, starts the next block dt later and checks everything.
func rmAdvance(rt *rapid.T, x *h, m *rmModel, dt int64) {
	sn := snapshot(rt, x)
	x.advance(dt) // invariants run at commit
	m.block(sn, x.time)
	rmCheckPrograms(rt, x, m)
	rmCheckAccounts(rt, x, m)
}

func rmCheckPrograms(rt *rapid.T, x *h, m *rmModel) {
	refunded := map[string]*big.Int{}
	for _, p := range m.progs {
		pg := x.program(p.id)
		amount, emitted := pg.Amount.Big(), pg.Emitted.Big()
		sum := new(big.Int).Sub(amount, emitted)
		sum.Add(sum, pg.Unassigned.Big())
		sum.Add(sum, pg.Credited.Big())
		if emitted.Cmp(amount) > 0 || sum.Cmp(amount) != 0 {
			rt.Fatalf("program %d: amount %s ≠ (amount − emitted %s) + unassigned %s + credited %s", p.id, amount, emitted, pg.Unassigned, pg.Credited)
		}
		switch {
		case p.cancelled:
			if pg.Status != restaking.ProgramCancelled {
				rt.Fatalf("program %d: status %s, cancelled", p.id, pg.Status)
			}
		case p.ended:
			if pg.Status != restaking.ProgramEnded {
				rt.Fatalf("program %d: status %s, ran out at %d", p.id, pg.Status, p.start+p.dur)
			}
		default:
			if pg.Status != restaking.ProgramActive || emitted.Cmp(p.emitted) != 0 {
				rt.Fatalf("program %d: %s, emitted %s, the model's E(t) is %s", p.id, pg.Status, emitted, p.emitted)
			}
		}
		if pg.Status != restaking.ProgramActive && emitted.Cmp(amount) != 0 {
			rt.Fatalf("program %d closed having emitted %s of %s", p.id, emitted, amount)
		}
		// Credited against the model's credit: equal but for the floors of
		// per-asset shares (< 1 base unit per asset with stake per block);
		// a cancellation credits nothing more.
		gap := new(big.Rat).Sub(p.credited, new(big.Rat).SetInt(pg.Credited.Big()))
		if gap.Sign() < 0 || gap.Cmp(new(big.Rat).SetInt64(p.slack)) > 0 {
			rt.Fatalf("program %d credited %s, the model %s (slack %d)", p.id, pg.Credited, p.credited.FloatString(6), p.slack)
		}
		k := ad(p.admin, p.denom)
		if refunded[k] == nil {
			refunded[k] = new(big.Int)
		}
		refunded[k].Add(refunded[k], pg.Refunded().Big())
	}
	for _, a := range rmAdmins {
		for _, d := range rmDenoms {
			want, _ := new(big.Int).SetString(rmAdminFunds, 10)
			if f := m.funded[ad(a, d)]; f != nil {
				want.Sub(want, f)
			}
			if r := refunded[ad(a, d)]; r != nil {
				want.Add(want, r)
			}
			if got := x.balance(a, d); got.Big().Cmp(want) != 0 {
				rt.Fatalf("admin %s holds %s%s: funds − funded + refunded is %s", a, got, d, want)
			}
		}
	}
}

var rmEpsilon = big.NewRat(1, 1_000_000_000)

func rmCheckAccounts(rt *rapid.T, x *h, m *rmModel) {
	for _, acct := range rmAccounts {
		list, err := restaking.PendingService(x.c.BlockState(), addr(acct))
		if err != nil {
			rt.Fatal(err)
		}
		for _, d := range rmDenoms {
			k := ad(acct, d)
			actual := new(big.Int)
			if c := m.claimed[k]; c != nil {
				actual.Add(actual, c)
			}
			for _, st := range list {
				if st.Denom == d {
					actual.Add(actual, st.Amount.Big())
				}
			}
			model := new(big.Rat)
			if e := m.earned[k]; e != nil {
				model.Set(e)
			}
			diff := new(big.Rat).Sub(new(big.Rat).SetInt(actual), model)
			up := new(big.Rat).SetInt64(m.up[k] + m.closures + m.changes)
			up.Add(up, rmEpsilon)
			if diff.Cmp(up) > 0 {
				rt.Fatalf("%s has received %s%s (claimed + pending), more than the model's %s (+%s allowed)", acct, actual, d, model.FloatString(6), up.FloatString(0))
			}
			down := new(big.Rat).SetInt64(m.down[k] + m.changes)
			down.Add(down, rmEpsilon)
			if new(big.Rat).Neg(diff).Cmp(down) > 0 {
				rt.Fatalf("%s has received %s%s (claimed + pending), more than %s below the model's %s", acct, actual, d, down.FloatString(0), model.FloatString(6))
			}
		}
	}
}

// rmFinish runs every program out, has everyone claim, and checks that
// nothing but carried remainders stays with the rewards account.
func rmFinish(rt *rapid.T, x *h, m *rmModel) {
	rmAdvance(rt, x, m, 2*day_s)
	rmAdvance(rt, x, m, block_s)
	for _, p := range m.progs {
		if !p.cancelled && !p.ended {
			rt.Fatalf("program %d still running after its end", p.id)
		}
	}
	for _, acct := range rmAccounts {
		rmClaim(rt, x, m, acct)
	}
	rmAdvance(rt, x, m, block_s)
	for _, d := range rmDenoms {
		held, err := bank.Balance(x.c.BlockState(), restaking.RewardsAccount, d)
		if err != nil {
			rt.Fatal(err)
		}
		if limit := uint64(3*len(m.streams) + 1); held.GT(num.NewInt(limit)) {
			rt.Fatalf("rewards account keeps %s%s after every program ended and everyone claimed (%d streams)", held, d, len(m.streams))
		}
	}
}
