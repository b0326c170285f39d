package num

import (
	"fmt"
	"strconv"
	"strings"
)

// Durations are whole seconds; files and CLIs write them as "30s", "12h", "14d".
var durationUnits = []struct {
	suffix string
	secs   uint64
}{{"w", 7 * 86400}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}}

// MaxDuration_s bounds durations (about 317 years) so time arithmetic never overflows int64.
const MaxDuration_s = uint64(10_000_000_000)

// ParseDuration reads "14d", "12h", "30m", "45s", "1w" or a bare number of seconds.
func ParseDuration(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	mult, body := uint64(1), s
	for _, u := range durationUnits {
		if strings.HasSuffix(s, u.suffix) {
			mult, body = u.secs, strings.TrimSuffix(s, u.suffix)
			break
		}
	}
	n, err := strconv.ParseUint(body, 10, 64)
	if err != nil || body == "" || body[0] == '+' {
		return 0, fmt.Errorf("%w: duration %q (want e.g. 30s, 12h, 14d)", ErrMalformed, s)
	}
	if n > MaxDuration_s/mult {
		return 0, fmt.Errorf("%w: duration %q is longer than %d seconds", ErrOverflow, s, MaxDuration_s)
	}
	return n * mult, nil
}

// FormatDuration prints seconds with the largest exact unit.
func FormatDuration(secs uint64) string {
	if secs == 0 {
		return "0s"
	}
	for _, u := range durationUnits {
		if secs%u.secs == 0 {
			return strconv.FormatUint(secs/u.secs, 10) + u.suffix
		}
	}
	return strconv.FormatUint(secs, 10) + "s"
}

// AddTime adds a duration in seconds to a unix time, saturating at the
// largest int64 instead of overflowing.
func AddTime(t int64, d_s uint64) int64 {
	const maxT = int64(^uint64(0) >> 1)
	if d_s > uint64(maxT) || t > maxT-int64(d_s) {
		return maxT
	}
	return t + int64(d_s)
}
