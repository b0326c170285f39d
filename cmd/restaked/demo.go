package main

// The demo restaking network of `restaked devnet --demo`, as tables.
// demo_plan.go turns the tables into genesis entries and transaction
// phases, demo_seed.go submits the phases to the running devnet and
// demo_record.go describes the result (config/demo.json, the summary).
//
// Every demo key is derived from its public name (devnetKey), like the
// devnet's other demo keys: they are test keys, never for real use.

// demoParam is a genesis parameter of the demo network, in set_params form.
type demoParam struct{ name, value string }

// demoParams shorten every restaking delay to minutes, so that a newcomer
// sees allocations take effect and withdrawals complete while watching.
var demoParams = []demoParam{
	{"max_restaking_degree", "2"}, // one operator restakes elastically
	{"min_allocation_delay", "0s"},
	{"allocation_config_delay", "5m"},
	{"deallocation_delay", "3m"},
	{"withdrawal_delay", "5m"},
	{"unbonding_period", "10m"},
	{"service_config_delay", "5m"},
	{"commission_change_delay", "5m"},
	{"slash_resolution_delay", "5m"},
	{"max_veto_window", "10m"},
	// The demo's extra validators have no node of their own (the devnet
	// runs one): with min_signed 0 they are never jailed for missed blocks.
	{"downtime_min_signed", "0"},
}

// demoUSDCPrice is the authority's price of usdc, in stake per usdc.
const demoUSDCPrice = "0.4"

// demoAlloc is one allocation: the magnitude of an asset a service may slash.
type demoAlloc struct{ asset, magnitude string }

// demoJoin is a service an operator opts in to, with its allocations.
type demoJoin struct {
	service string
	allocs  []demoAlloc
}

// demoOperator is an operator that runs a validator (native restaking
// needs one). The first is the devnet's own validator, already in genesis.
type demoOperator struct {
	name, moniker   string
	selfDelegation  string // stake bonded at genesis; "" for the devnet validator
	commission      string // on service rewards
	degree          string // restaking degree L
	allocationDelay string
	joins           []demoJoin
}

var demoOperators = []demoOperator{
	{name: "validator", moniker: "devnet", commission: "0.10", degree: "2", allocationDelay: "1m", joins: []demoJoin{
		{"oracle", []demoAlloc{{"ststake", "0.6"}, {"stake", "0.6"}}},
		{"sequencer", []demoAlloc{{"ststake", "0.8"}, {"stake", "0.7"}, {"usdc", "0.9"}}},
		{"da-layer", []demoAlloc{{"stake", "0.5"}}},
	}},
	{name: "atlas", moniker: "Atlas Staking", selfDelegation: "20000000000", commission: "0.05", degree: "1", allocationDelay: "1m", joins: []demoJoin{
		{"oracle", []demoAlloc{{"ststake", "0.5"}, {"stake", "0.4"}}},
		{"bridge", []demoAlloc{{"ststake", "0.5"}, {"usdc", "0.6"}}},
	}},
	{name: "borealis", moniker: "Borealis Nodes", selfDelegation: "10000000000", commission: "0.08", degree: "1", allocationDelay: "2m", joins: []demoJoin{
		{"da-layer", []demoAlloc{{"stake", "0.6"}}},
		{"bridge", []demoAlloc{{"ststake", "0.3"}, {"usdc", "0.2"}}},
		{"keeper", []demoAlloc{{"usdc", "0.8"}}},
	}},
	{name: "cygnus", moniker: "Cygnus Labs", selfDelegation: "5000000000", commission: "0.03", degree: "1", allocationDelay: "30s", joins: []demoJoin{
		{"sequencer", []demoAlloc{{"ststake", "0.5"}, {"stake", "0.5"}, {"usdc", "0.3"}}},
		{"keeper", []demoAlloc{{"usdc", "0.5"}}},
		{"oracle", []demoAlloc{{"ststake", "0.4"}}},
	}},
}

// demoService is a service and its terms. Its accounts are named after it:
// NAME-admin registers it, NAME-slasher slashes for it, NAME-council (with
// a veto) may veto slashes, NAME-treasury receives redistributed slashes.
type demoService struct {
	name, about  string
	assets       []string
	veto         string   // veto window of NAME-council; "" for no resolver
	redistribute bool     // to NAME-treasury; false burns
	allowlist    []string // operators the admin allows; nil for an open service
	maxSlash     string
	minOpStake   string // native units
	maxOpDegree  string
	pfc          string // declared profit from corruption, native units
	threshold    string
	program      *demoProgram // reward program the admin funds at seeding; nil for none
}

// demoProgram is a service reward program: amount base units of denom,
// paid out over demoProgramDuration from the block it is funded in.
type demoProgram struct {
	amount uint64
	denom  string
}

// demoProgramDuration is how long every demo reward program runs.
const demoProgramDuration = "30d"

var demoServices = []demoService{
	{name: "oracle", about: "price oracle network", assets: []string{"ststake", "stake"},
		maxSlash: "0.5", pfc: "40000000000", threshold: "0.5", program: &demoProgram{3_000_000_000, "stake"}},
	{name: "bridge", about: "cross-chain bridge", assets: []string{"ststake", "usdc"}, veto: "2m", redistribute: true,
		allowlist: []string{"atlas", "borealis"}, maxSlash: "1", pfc: "5000000000000", threshold: "0.67"},
	{name: "da-layer", about: "data availability layer", assets: []string{"stake"},
		maxSlash: "0.25", minOpStake: "1000000000", pfc: "3000000000", threshold: "0.34", program: &demoProgram{1_500_000_000, "stake"}},
	{name: "sequencer", about: "shared rollup sequencer", assets: []string{"ststake", "stake", "usdc"}, veto: "5m", redistribute: true,
		maxSlash: "0.8", pfc: "200000000000", threshold: "0.5", program: &demoProgram{8_000_000_000, "usdc"}},
	{name: "keeper", about: "liquidation keeper network", assets: []string{"usdc"}, redistribute: true,
		allowlist: []string{"borealis", "cygnus"}, maxSlash: "1", maxOpDegree: "1", pfc: "100000000", threshold: "0.9"},
}

// demoDeposit restakes units × the staker's size of a denom with the
// operator offset positions after the staker's home operator.
type demoDeposit struct {
	offset int
	denom  string
	units  uint64
}

// demoProfile is a kind of staker. Liquid stakers liquid-stake first and
// restake part of the ststake they get.
type demoProfile struct {
	kind     string
	liquid   uint64 // units of stake liquid-staked first
	deposits []demoDeposit
}

var demoProfiles = []demoProfile{
	{kind: "liquid restaker", liquid: 10, deposits: []demoDeposit{{0, "ststake", 9}}},
	{kind: "native restaker", deposits: []demoDeposit{{0, "stake", 10}}},
	{kind: "liquid and native", liquid: 6, deposits: []demoDeposit{{0, "ststake", 5}, {1, "stake", 5}}},
	{kind: "stablecoin restaker", deposits: []demoDeposit{{0, "usdc", 20}, {0, "stake", 2}}},
	{kind: "diversified", liquid: 8, deposits: []demoDeposit{{0, "ststake", 3}, {2, "ststake", 3}, {1, "stake", 2}}},
}

const (
	demoStakers = 40
	// demoUnit is one deposit unit in base units.
	demoUnit = 100_000_000
	// demoAccountStake funds each service account's fees (an admin also
	// holds its reward program).
	demoAccountStake = 1_000_000_000
	// demoOperatorStake funds each extra operator before its self-delegation.
	demoOperatorStake = "1000000000000stake"
)

// demoSizes spread the stakers' sizes over two orders of magnitude; their
// count is prime to the number of operators, so sizes mix across operators.
var demoSizes = []uint64{1, 2, 5, 10, 20, 50, 100}
