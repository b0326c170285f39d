// Package rewards is the arithmetic of service reward programs (SPEC §7):
// escrowed programs emitting pro rata per block time, spread over a
// service's stake through accumulators so that per-block work depends on
// neither operators nor stakers. It holds no state; package restaking
// keeps the records and calls these functions.
//
// # Emission
//
// A program of Amount over Duration_s from Start_s has emitted, by time t,
//
//	E(t) = floor(Amount · clamp(t − Start_s, 0, Duration_s) / Duration_s)   (rounding: down)
//
// so a block emits E(t) − E(t_prev), the whole Amount is out at the end,
// and the sum over blocks is exact whatever the block times.
//
// # Split across assets
//
// A block's emission e is split across the service's assets by their
// native-unit weight w_a = U_a · v_a (U_a: allocated amount of asset a,
// v_a: its value, rounding: down): share_a = floor(e · w_a / Σw)
// (rounding: down). What the floors leave, and all of e when nothing is
// allocated, is unassigned: refunded to the service when the program ends.
//
// # Accumulators with carry
//
// No fraction is ever dropped. Spreading an amount over n units raises an
// accumulator by inc = floor((amount·1e36 + rem) / n) and keeps the
// remainder rem' = amount·1e36 + rem − inc·n for the next spread;
// collecting what w units earned while the accumulator rose by Δ pays
// floor((w·Δ + rem) / 1e36) and keeps the remainder. Every amount is thus
// accounted exactly in units of 1e-36 base unit: what is paid plus what
// is pending plus the carried remainders equals what was spread. A
// remainder is always below one base unit's worth of its divisor.
//
// # Commission
//
// An operator's take of what it collected is floor(owed · rate)
// (rounding: down — the stakers keep the remainder).
package rewards
