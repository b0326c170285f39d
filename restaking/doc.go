// Package restaking is the restaking layer of SPEC §6: restakable assets,
// operators, services, memberships, positions, allocations, slashing with
// veto and redistribution, withdrawals and stake history.
//
// # Lazy accounting
//
// Each (operator, asset) pair has a vault:
//
//	MaxMag   maxMagnitude m, starting at 1; only slashes lower it
//	Scaled   Σσ, the scaled shares of its positions
//	Units    what backs the vault, in units (below)
//	Queued   of Units, what backs queued withdrawals
//	AllocSum Σ over services of max(magnitude, pending magnitude)
//
// A position (staker, operator, asset) holds σ scaled shares, with 18
// extra decimals: it can withdraw floor(σ · m / 1e36) units, and the
// operator's delegated units are floor(Σσ · m / 1e36) ≥ Σ of those. A
// deposit of u units adds σ = floor(u · 1e36 / m), so it is measured at the
// magnitude in force and no earlier slash touches it (SPEC's deposit
// scaling factor k is σ / deposited). A slash lowers m: every position of
// the vault loses the same fraction at once, and nothing iterates stakers
// or withdrawals. Slashing is O(assets of the request) store operations.
//
// Units and tokens. For every asset but the native one a unit is a base
// unit of the asset, held by VaultAccount. Native stake deposited with an
// operator that runs a validator is delegated to that validator by the
// operator's NativeAccount; its units are worth tokens/Units each, where
// tokens is that delegation's current value. A primary slash of the
// validator lowers the delegation and so this native factor l for every
// position and queued withdrawal of the vault at once; withdrawable
// native stake is floor(σ·m) · l.
//
// Allocations. Per (operator, asset, service) a magnitude m_s, with
// Σ_s max(m_s, pending) ≤ L · maxMagnitude checked whenever one rises (L =
// the operator's restaking degree). The stake a service may slash is the
// operator's delegated units · min(m_s, maxMag) / maxMag: with L > 1 a
// slash by one service stretches the others' allocations down to what is
// left. Increases wait the operator's allocation_delay, decreases
// deallocation_delay (the old magnitude stays slashable), both applied by
// BeginBlock (before any transaction of the block) from a queue ordered by
// time.
//
// Slashing. slashedMag = ceil(f · min(m_s, maxMag)) comes off m_s and
// maxMag. The positions' backing loses ceil(backing · slashedMag / maxMag)
// units (never below what they then claim) and the queue's backing
// floor(σ_window · slashedMag), where σ_window is the scaled shares of
// withdrawals not yet due: a withdrawal stays slashable until its due time.
// The units become tokens that are burned (native stake: seized from the
// delegation at once; ststake: through the liquid pool, which also burns
// the stake backing it) or moved to Escrow for the service's recipient.
// With a resolver the request waits veto_window: it records the
// allocation it may slash, so deallocating meanwhile does not help, and
// withdrawals of the operator due after the request cannot complete until
// it is vetoed or executed; when it executes, its magnitude drop is
// recorded in the magnitude history as of the request time (subtracted
// from every later entry, as the queue's backing lost σ · slashedMag).
// Only withdrawals of the assets the request may take are held, and a
// service may keep at most MaxPendingPerService requests waiting on one
// operator, so no service can crowd out another's. Deposits made while a
// request is pending (it is public) share its slash like every other
// position of the vault.
//
// A vault is one pool: a native vault's stakers share its delegation, so
// a primary slash for an infraction before a staker deposited reaches
// that staker too (staking spares stake that arrived after an infraction
// per delegation, and the vault's delegation is one). Stake seized by a
// restaking slash leaves the validator's stake bonded at earlier
// infraction heights (staking's token history counts it), so the other
// delegators do not pay for it.
//
// Withdrawals. queue_withdrawal (an amount of 0 closes the position
// whatever it is worth) moves σ from the position to a numbered
// withdrawal (the shares stop counting as stake at once) due at now +
// withdrawal_delay, never before the vault's previous withdrawal. It pays
// floor(σ · m) units with m the magnitude in force just before its due
// time (one seek in the magnitude history), at the native factor of the
// moment it completes; native stake is handed over as an ordinary staking
// unbonding entry of the staker's, which still waits unbonding_period.
//
// Native pass-through. The staking rewards of each operator's native
// delegation (net of the validator's commission) are attributed to the
// vault's scaled shares through an accumulator before every change of Σσ
// and paid by claim_rewards (rewards.go): nothing per block.
//
// Service reward programs (programs.go, streams.go, claims.go; the
// arithmetic is package rewards). create_reward_program escrows the
// amount from the service's admin; each block emits the part of the
// schedule due since the last block, split across the service's assets by
// native-unit value and spread over each asset's total operator weight
// (one accumulator per service, asset and denom: O(live programs × assets)
// per block, nothing per operator or staker). An operator's weight is its
// effective allocated amount, stored and kept exact by a reweigh on every
// vault save and allocation change, which first collects what the old
// weight earned: commission (the stored rate; a change becomes the stored
// rate in the BeginBlock it is due, after a collection at the old rate)
// and the rest spread over the vault's Σσ. Positions settle before their
// σ changes and on claims. Emission nobody could receive (no weight, or
// the split's floors) is refunded when the program ends or is cancelled.
// Every division carries its remainder, so the books balance exactly.
//
// Stake history. Every change of a vault, an allocation, a membership or
// an asset's value writes a checkpoint keyed by height; StakeAt and
// ServiceStakeAt read them with reverse seeks, O(log n) each.
// ststake's value is sampled daily and at every primary slash.
//
// Every rounding site is marked "rounding:" and listed in docs/ROUNDING.md.
package restaking
