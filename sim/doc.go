// Package sim runs scenario files (SPEC §10) against the state machine
// directly: no consensus, no wall clock, no network. It is both a user
// feature (`restaked sim run FILE`) and the way tests state behaviour.
//
// # File shape
//
//	block_time: 5s                       # optional, default 5s
//	params: {unbonding_period: 21d}      # genesis overrides, by parameter name
//	accounts: {alice: "1000stake", bob: ""}
//	steps:
//	  - send: {from: alice, to: bob, amount: "10stake"}
//	  - advance: 2 blocks                # or a duration: 30d
//	  - expect: {balance: {account: bob, denom: stake}, eq: "10"}
//
// Accounts are named; each name's key is keyring.DeterministicKey("sim/"+name)
// and a validator's consensus key DeterministicKey("sim-cons/"+name). The
// account `authority` always exists and is the params authority. Genesis
// holds exactly the listed balances ("" = no funds). The chain id is
// "restaked-sim" and genesis time 2026-01-01T00:00:00Z; block h has time
// genesis + h·block_time.
//
// # Blocks
//
// Steps before the first advance run in block 1. `advance: N blocks` ends
// the current block (EndBlock, invariants, Commit) and begins the next ones,
// so the following steps run in block current+N; a duration advances
// ceil(duration / block_time) blocks. The last block is finished after the
// last step, so the final app hash covers every step.
//
// # Steps
//
// The step table (steps.go) maps each step name to a decoder that turns the
// step's YAML body into an action; adding a step is adding one entry.
// Every step is decoded before anything runs, so a bad file fails with the
// step number and line before any block is produced. Steps run in file
// order.
//
// Transaction steps build a real signed transaction from the `from`
// account (sequence read from the block state) and deliver it. Each accepts
// an optional `fee` (e.g. "5stake"); without it the fee is exactly the
// chain's min_fee, which is 0 unless the scenario sets it. A rejected
// transaction fails the scenario unless wrapped in
// `expect_error: {tx: {...}, contains: "text"}`, which requires the
// rejection and that its log contains the text (addresses in the log may be
// written as account names). Events (double_sign, downtime) may be wrapped
// the same way under `event:`. Reports print account names for addresses.
//
// # Expectations
//
//	expect: {QUERY: {ARGS}, eq: "V"}     # also gte, lte, approx + tol
//
// Several comparators in one expect must all hold. Values are decimal
// numbers ("9000", "1.05"); comparison is exact (rational arithmetic).
// `approx` needs `tol`: either an absolute amount ("5": |got − V| ≤ 5) or a
// percentage of V ("1%": |got − V| ≤ V·1/100). Queries read the state of the
// block in progress, as of that step.
package sim
