// Package rewards is the accounting of service reward programs (SPEC §7):
// escrowed programs emitting pro rata per block, split across a
// service's stake by accumulators so that per-block work never depends on
// operators or stakers.
//
// This package is the pure arithmetic, kept apart from where the weights
// come from (restaking feeds it). Work in progress on this branch: the
// emission schedule and the per-block split with exact per-program
// conservation; wiring, claims and refunds follow.
//
// # Emission
//
// A program of Amount over Duration_s from Start_s has emitted, by time t,
//
//	E(t) = floor(Amount · clamp(t − Start_s, 0, Duration_s) / Duration_s)   (rounding: down)
//
// so each block emits E(t) − E(t_prev), the whole Amount is emitted at the
// end, and the sum over blocks is exact whatever the block times.
//
// # Split
//
// A block's emission e of one program is split across the service's
// assets by their native-unit weight w_a = U_a · v_a (U_a: allocated
// amount of asset a, v_a: its value), share_a = floor(e · w_a / Σw)
// (rounding: down), and each share raises that asset's accumulator by
// inc_a = floor(share_a · 1e36 / U_a) (rounding: down). What an increment
// can ever pay, ceil(inc_a · U_a / 1e36) ≤ share_a, is credited; the rest
// of e (and all of e when no stake is allocated) is unassigned and goes
// back to the service. Per program, exactly:
//
//	Amount = escrowed (not yet emitted) + unassigned + credited
package rewards
