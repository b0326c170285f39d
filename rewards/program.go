package rewards

import (
	"fmt"

	"github.com/restaked/restaked/num"
)

// Scale is the accumulators' fixed point: reward per unit ×1e36.
var Scale = func() num.Int {
	x, err := num.WAD().Mul(num.WAD())
	if err != nil {
		panic(err) // constants
	}
	return x
}()

// MaxDuration_s bounds a program's length (100 years): block times stay
// far from overflow.
const MaxDuration_s = 100 * 365 * 86_400

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
	if s.Duration_s == 0 || s.Duration_s > MaxDuration_s {
		return fmt.Errorf("duration must be between 1s and %d s", uint64(MaxDuration_s))
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

// Split shares e across the assets by native-unit weight (doc.go). The
// shares and the unassigned rest add up to e exactly.
func Split(e num.Int, ws []Weight) (shares []num.Int, unassigned num.Int, err error) {
	shares = make([]num.Int, len(ws))
	values := make([]num.Int, len(ws))
	var total num.Int
	for i, w := range ws {
		if values[i], err = w.Value.MulIntDown(w.Units); err != nil { // rounding: down
			return nil, e, err
		}
		if total, err = total.Add(values[i]); err != nil {
			return nil, e, err
		}
	}
	if total.IsZero() || e.IsZero() {
		return shares, e, nil
	}
	unassigned = e
	for i := range ws {
		if shares[i], err = e.MulDivDown(values[i], total); err != nil { // rounding: down
			return nil, e, err
		}
		if unassigned, err = unassigned.Sub(shares[i]); err != nil {
			return nil, e, fmt.Errorf("split of %s exceeds it", e)
		}
	}
	return shares, unassigned, nil
}

// Spread raises an accumulator over n units by amount, with carry:
// inc = floor((amount·1e36 + rem) / n), rem' the remainder (doc.go).
func Spread(amount, n, rem num.Int) (inc, remOut num.Int, err error) {
	if n.IsZero() {
		return num.Int{}, rem, fmt.Errorf("spread over zero units")
	}
	return amount.MulAddDivMod(Scale, rem, n)
}

// Collect is what w units earned while an accumulator rose by delta, with
// carry: floor((w·delta + rem) / 1e36), rem' the remainder (doc.go).
func Collect(w, delta, rem num.Int) (owed, remOut num.Int, err error) {
	return w.MulAddDivMod(delta, rem, Scale)
}

// Since is the accumulator's rise since a snapshot; a snapshot above its
// accumulator is corrupt state.
func Since(acc, snap num.Int) (num.Int, error) {
	d, err := acc.Sub(snap)
	if err != nil {
		return d, fmt.Errorf("reward snapshot %s above its accumulator %s", snap, acc)
	}
	return d, nil
}

// Commission splits owed into the operator's take, floor(owed · rate)
// (rounding: down), and the stakers' rest; they add up to owed.
func Commission(owed num.Int, rate num.Dec) (operator, stakers num.Int, err error) {
	if operator, err = rate.MulIntDown(owed); err != nil {
		return operator, stakers, err
	}
	stakers, err = owed.Sub(operator)
	return operator, stakers, err
}
