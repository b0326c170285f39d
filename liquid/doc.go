// Package liquid is the liquid-staking pool of SPEC §5.
//
// Holders deposit the native denom (stake) and receive ststake, an ordinary
// bank token. The pool is the module account Pool; it delegates what it
// holds to active validators and compounds its staking rewards, so one
// ststake is worth a growing amount of stake.
//
// # Accounting
//
// All integers, base units:
//
//	A (assets) = Σ token value of the pool's delegations
//	           + Σ value of the pool's live unbonding entries (after slashes)
//	           + the pool's stake balance (idle deposits, matured unbondings, donations)
//	           + pending staking rewards net of lst_fee (taken when harvested)
//	S (supply) = ststake in circulation
//	B (burned) = Σ Burned of the unpaid claims: ststake burned at unstake
//	             and not yet paid out, still a share of A
//	D (shares) = S + B
//	V          = VirtualOffset = 1e6
//
//	deposit rate     m = (A + V) / (D + V)
//	redemption rate  r = min(m, A / D)     (r = m when A ≥ D; r = A / D when A < D)
//
// A deposit of x mints ⌊x / m⌋ = ⌊x · (D + V) / (A + V)⌋ ststake
// (rounding: down). An unstake of st ststake burns it at once, moves it
// from S to B (so D, and the rate, do not move) and opens claim #id
// (numbered from 1) with Burned = st and Amount = ⌊st · r⌋ (rounding:
// down), the value at request. At completion (now + unbonding_period;
// paid in EndBlock, at most MaxClaimsPerBlock claims per block, oldest
// first) the claim is paid
//
//	pay = min(Amount, ⌊Burned · r_now⌋)    (rounding: down)
//
// with r_now computed on the books as they are at that moment; then
// A −= pay (the stake leaves the pool), B −= Burned and Owed −= Amount.
// EndBlock updates its in-memory books after every payment, so the next
// claim of the same batch is valued on the books after the ones before it.
// What a claim is not paid (Amount − pay when the rate fell, or the part
// of ⌊Burned · r_now⌋ above Amount when it rose, and every rounding
// remainder) stays in A for the remaining holders.
//
// Slashes. A slash of the pool's delegations or of its unbonding entries
// (staking slashes both) lowers A, and so r, for holders and unpaid claims
// alike: a claim's burned ststake is still a share of D, so it bears its
// part of the loss exactly once, through r_now. Since pay ≤ Burned · r ≤
// Burned · A / D, the unpaid claims and the holders together are never
// worth more than A (the liquid-covered invariant), and no payout can
// exceed what the pool holds.
//
// Owed = Σ Amount of the unpaid claims, the most they can be paid. It is
// not in the rate; it only says how much stake the pool must keep liquid.
//
// # Virtual shares (first-depositor protection)
//
// Deposits use m, with V added to both the assets and the shares. An empty
// pool therefore mints 1:1, and a first depositor who deposits 1 stake and
// then donates X stake to the pool address (donations count in A) moves
// the rate only to (1 + X + V) / (1 + V): to make a later deposit of y
// round down to zero it would have to donate more than about y · 1e6, and
// almost all of that donation (a fraction V / (V + 1)) then belongs to the
// virtual shares, not to the attacker — the attack costs ~1e6 times what it
// could steal. Redemptions use r = min(m, A / D). While A ≥ D (the pool has
// earned at least what it lost) r = m: the virtual shares are a holder of V
// ststake whose value is V · (m − 1), their part of the gains, so a
// deposit followed by an unstake returns at most the deposit. When losses
// take A below D, r = A / D: the virtual shares own nothing and the real
// holders and claims share A exactly pro rata, so the virtual shares never
// lead the pool to promise more than it holds; deposits still mint at m,
// which is then slightly above r (never in the depositor's favour). No
// deposit, unstake or payout lowers r for the others: only losses do
// (slashes, and the unit staking may round away when the pool delegates
// or undelegates).
// V is negligible once the pool holds more than a few stake (1 stake =
// 1e6 base units is the usual denomination).
//
// # Delegation policy
//
// The candidates are the validators of staking's stored active set
// (staking.ActiveOperators: one record, at most max_validators entries,
// however many validators exist) that are not jailed or tombstoned. The
// per-validator cap is 2 × (pool stake delegated to candidates + amount) / n
// (rounding: down), i.e. twice an equal share. The amount goes to the
// candidate with the least pool stake (ties: lowest operator address), up to
// the cap, the rest to the next least, and so on. What cannot be placed
// (no candidates, or a delegation that is rejected) stays idle in the pool,
// still counted in A, and is retried at the next deposit or compounding.
//
// # Rewards and lst_fee
//
// Pending rewards net of lst_fee count in A as they accrue, so the rate
// never jumps when they are claimed. Harvesting claims them and pays
// lst_fee of them (rounding: down) to the module account FeeAccount. Every
// delegation or undelegation by the pool makes staking settle the pool's
// pending rewards into its balance, so the pool harvests before each one
// (a deposit's delegation, an unstake's undelegation, the undelegation of
// a shortfall in EndBlock, the daily compounding): no reward reaches the
// pool without its fee. Staking credits rewards only in its BeginBlock, so
// the pool harvests at most once per block. Compounding happens in
// BeginBlock at the first block of every CompoundInterval_s (one day) of
// block time: it harvests and delegates the idle stake not reserved for
// claims. Its cost is O(validators the pool uses), never O(holders).
//
// # Liquidity
//
// An unstake makes sure Owed is covered by idle stake plus stake already
// unbonding toward the pool, and undelegates the rest from the validators
// where the pool has the most stake (ties: lowest address), at most
// MaxUndelegationsPerUnstake of them; an unstake the pool cannot start
// unbonding for is refused. A due claim the pool cannot pay from idle
// stake yet waits, in order, with the claims behind it. Its own unbonding
// usually returns in the block where it completes (the claim is paid in
// the next block); if slashes left the unbonding short of what the unpaid
// claims can now be paid (min(Owed, ⌊B · r⌋)), the pool undelegates the
// difference at once.
package liquid
