// Package liquid is the liquid-staking pool of SPEC §5.
//
// Holders deposit the native denom (stake) and receive ststake, an ordinary
// bank token. The pool is the module account Pool; it delegates what it
// holds to active validators and compounds its staking rewards, so one
// ststake is worth a growing amount of stake.
//
// Accounting (all integers, base units):
//
//	assets  = Σ token value of the pool's delegations
//	        + Σ value of the pool's live unbonding entries (after slashes)
//	        + the pool's stake balance (idle deposits, matured unbondings, donations)
//	        + pending staking rewards net of lst_fee (claimed at the next compounding)
//	owed    = Σ Amount of unpaid unstake claims (the most each can be paid)
//	equity  = assets − owed (never negative: checked by an invariant)
//	supply  = ststake in circulation (claims burn theirs at request)
//	r       = equity / supply
//
// Virtual shares. Every conversion uses (equity + V) / (supply + V) with
// V = VirtualOffset = 1e6 on both sides. An empty pool therefore mints 1:1,
// and a first depositor who deposits 1 stake and then donates D stake to the
// pool address (donations count as assets) moves the rate only to
// (1 + D + V) / (1 + V): to make a later deposit of x round down to zero it
// would have to donate more than about x · 1e6, and almost all of that
// donation (a fraction V / (V + 1)) then belongs to the virtual shares, not
// to the attacker — the attack costs ~1e6 times what it could steal. The
// offset dilutes real holders by at most V / supply, which is negligible
// once the pool holds more than a few stake (1 stake = 1e6 base units
// is the usual denomination).
//
// Delegation policy (deposits and compounding): the candidates are the
// validators in the active set (bonded, not jailed, not tombstoned). The
// per-validator cap is 2 × (pool stake delegated to candidates + amount) / n
// (rounding: down), i.e. twice an equal share. The amount goes to the
// candidate with the least pool stake (ties: lowest operator address), up to
// the cap, the rest to the next least, and so on. What cannot be placed
// (no candidates, or a delegation that is rejected) stays idle in the pool,
// still counted in assets, and is retried at the next compounding.
//
// Compounding happens in BeginBlock at the first block of every
// CompoundInterval_s (one day) of block time (and before every liquid message, so no
// one can time a deposit around it): the pool claims its rewards, pays
// lst_fee of them (rounding: down) to the module account FeeAccount and
// delegates its idle stake. Its cost is O(validators the pool uses), never
// O(holders).
//
// Unstaking burns the ststake at once and opens claim #id (numbered from 1)
// with Amount = ststake × (equity + V) / (supply + V) (rounding: down, and
// never more than equity), the rate at request, and completion = now +
// unbonding_period. The pool frees Amount: first from idle stake not reserved
// for other claims, then by undelegating from the validators where it has the
// most stake (ties: lowest address), at most MaxUndelegationsPerUnstake of
// them. At completion (EndBlock, at most MaxClaimsPerBlock claims per block)
// the claim pays min(Amount, ststake × rate at completion) (rounding: down;
// the same virtual-offset rate as requests; with holders all gone, or assets
// below what is owed after extreme slashes, see payable in block.go);
// the difference stays in the pool and raises r for the remaining holders, so
// a claim is never paid better than requested and slashes during unbonding
// are shared by everyone. A due claim the pool cannot pay yet (its unbonding
// was slashed harder than the pool as a whole) waits, in order, while the
// pool undelegates the shortfall.
package liquid
