package rewards

import (
	"fmt"

	"github.com/restaked/restaked/num"
)

// accScale is the accumulators' fixed point: reward per allocated unit ×1e36.
var accScale = func() num.Int {
	x, err := num.WAD().Mul(num.WAD())
	if err != nil {
		panic(err) // constants
	}
	return x
}()

// Schedule is a program's emission schedule.
type Schedule struct {
	Amount     num.Int
	Start_s    int64
	Duration_s uint64
}

// Validate rejects schedules that cannot emit.
func (s Schedule) Validate() error {
	if s.Amount.IsZero() {
		return fmt.Errorf("amount must be positive")
	}
	if s.Duration_s == 0 {
		return fmt.Errorf("duration must be positive")
	}
	return nil
}

// EmittedBy is E(t): what the program has emitted by time t (doc.go).
func (s Schedule) EmittedBy(t int64) (num.Int, error) {
	if t <= s.Start_s {
		return num.Int{}, nil
	}
	elapsed := uint64(t - s.Start_s)
	if elapsed >= s.Duration_s {
		return s.Amount, nil
	}
	return s.Amount.MulDivDown(num.NewInt(elapsed), num.NewInt(s.Duration_s)) // rounding: down
}

// End_s is when the whole amount has been emitted.
func (s Schedule) End_s() int64 { return s.Start_s + int64(s.Duration_s) }

// Weight is one asset's allocated amount and its value in native units.
type Weight struct {
	Units num.Int // allocated amount of the asset (base units)
	Value num.Dec // native units per base unit
}

// Split is one block's emission of one program, split across assets.
type Split struct {
	Inc        []num.Int // accumulator increment per asset (×1e36 per unit)
	Credited   num.Int   // what the increments can ever pay
	Unassigned num.Int   // the rest of the emission: returned to the service
}

// SplitEmission splits e across the assets by native-unit weight (doc.go).
// With no weight at all, everything is unassigned.
func SplitEmission(e num.Int, ws []Weight) (Split, error) {
	sp := Split{Inc: make([]num.Int, len(ws))}
	values := make([]num.Int, len(ws))
	var total num.Int
	var err error
	for i, w := range ws {
		if values[i], err = w.Value.MulIntDown(w.Units); err != nil { // rounding: down
			return sp, err
		}
		if total, err = total.Add(values[i]); err != nil {
			return sp, err
		}
	}
	if total.IsZero() {
		sp.Unassigned = e
		return sp, nil
	}
	for i, w := range ws {
		if err := creditAsset(&sp, i, e, values[i], total, w.Units); err != nil {
			return sp, err
		}
	}
	sp.Unassigned, err = e.Sub(sp.Credited)
	return sp, err
}

func creditAsset(sp *Split, i int, e, value, total, units num.Int) error {
	if value.IsZero() || units.IsZero() {
		return nil
	}
	share, err := e.MulDivDown(value, total) // rounding: down
	if err != nil {
		return err
	}
	inc, err := share.MulDivDown(accScale, units) // rounding: down
	if err != nil || inc.IsZero() {
		return err
	}
	can, err := inc.MulDivUp(units, accScale) // ≤ share
	if err != nil {
		return err
	}
	sp.Inc[i] = inc
	sp.Credited, err = sp.Credited.Add(can.Min(share))
	return err
}

// Owed is what u units earned while an accumulator rose from snap to acc
// (rounding: down: paid out).
func Owed(u, acc, snap num.Int) (num.Int, error) {
	d, err := acc.Sub(snap)
	if err != nil {
		return d, fmt.Errorf("reward snapshot above its accumulator")
	}
	return u.MulDivDown(d, accScale)
}

// OperatorCut splits what an operator's allocation earned (owed) between
// its commission and its stakers: the stakers' part raises an accumulator
// over the vault's scaled shares by inc = floor((owed − commission) · 1e36
// / Σσ) (rounding: down); the operator receives the commission
// (rounding: down: the stakers keep the remainder) plus whatever the
// increment can never pay out, so owed = operator + staker credit exactly.
type OperatorCut struct {
	Operator num.Int // commission and rounding remainder
	Inc      num.Int // staker accumulator increment (×1e36 per scaled share)
	Stakers  num.Int // what Inc can ever pay
}

// CutForOperator applies the operator's commission rate to owed.
func CutForOperator(owed num.Int, rate num.Dec, scaled num.Int) (OperatorCut, error) {
	var c OperatorCut
	comm, err := rate.MulIntDown(owed) // rounding: down
	if err != nil {
		return c, err
	}
	rest, err := owed.Sub(comm)
	if err != nil || scaled.IsZero() {
		c.Operator = owed // no stakers' shares to credit
		return c, err
	}
	if c.Inc, err = rest.MulDivDown(accScale, scaled); err != nil { // rounding: down
		return c, err
	}
	can, err := c.Inc.MulDivUp(scaled, accScale)
	if err != nil {
		return c, err
	}
	c.Stakers = can.Min(rest)
	c.Operator, err = owed.Sub(c.Stakers)
	return c, err
}
