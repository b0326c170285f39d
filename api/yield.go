package api

import (
	"math/big"

	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
)

// The yield view on /v1/rewards: each stream's recent APR (restaking.Yields:
// per year, in native-unit terms, from the last sampling windows of actual
// accrual). Absent where it is not known yet, where the reward denom has no
// native value, and for commission, which has no stake of its own.

// withYields sets each stream's APR and appends the streams Yields knows
// that have nothing pending now (e.g. just claimed), with an empty pending.
func withYields(streams []stream, y restaking.AccountYield) []stream {
	var primary []restaking.StreamYield
	for _, sy := range y.Streams {
		if sy.Kind == restaking.StreamPrimary {
			primary = append(primary, sy)
			continue
		}
		if i := matchYield(streams, sy); i >= 0 {
			streams[i].view.APR = decText(sy.APR)
			continue
		}
		streams = append(streams, yieldOnly(sy))
	}
	for i := range streams {
		if streams[i].view.Stream == StreamStaking {
			streams[i].view.APR = decText(weightedAPR(primary))
		}
	}
	return streams
}

// matchYield is the index of the native or staker service stream sy
// describes, or -1.
func matchYield(streams []stream, sy restaking.StreamYield) int {
	op := sy.Operator.String()
	for i, s := range streams {
		v := s.view
		native := sy.Kind == restaking.StreamNative && v.Stream == StreamNativePrefix+op
		service := sy.Kind == restaking.StreamService && v.Role == restaking.RoleStaker && v.Service == sy.Service &&
			v.Operator == op && v.Asset == sy.Asset && v.Denom == sy.Denom
		if native || service {
			return i
		}
	}
	return -1
}

// yieldOnly is a stream with nothing pending, known from the yield view.
func yieldOnly(sy restaking.StreamYield) stream {
	op := sy.Operator.String()
	v := RewardStream{Stream: StreamNativePrefix + op, Denom: sy.Denom, Operator: op, Asset: sy.Asset, APR: decText(sy.APR)}
	if sy.Kind == restaking.StreamService {
		v.Stream, v.Service, v.Role = StreamServicePrefix+sy.Service, sy.Service, restaking.RoleStaker
	}
	return stream{view: v, pending: coin.Coins{}}
}

// weightedAPR is the stake-weighted APR of the primary streams (the
// "staking" stream covers every delegation), when each one's is known
// (rounding: down to 18 decimals).
func weightedAPR(ss []restaking.StreamYield) *num.Dec {
	income, stake := new(big.Rat), new(big.Int)
	for _, s := range ss {
		if s.APR == nil {
			return nil
		}
		r := s.APR.Rat()
		income.Add(income, r.Mul(r, new(big.Rat).SetInt(s.Stake.Big())))
		stake.Add(stake, s.Stake.Big())
	}
	if stake.Sign() == 0 {
		return nil
	}
	d, err := num.DecFromRat(income.Quo(income, new(big.Rat).SetInt(stake)))
	if err != nil {
		return nil
	}
	return &d
}

func decText(d *num.Dec) string {
	if d == nil {
		return ""
	}
	return d.String()
}
