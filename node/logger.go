package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// slogLogger routes CometBFT logs to slog. Records below the handler's
// level are dropped before their key-values are converted.
type slogLogger struct{ l *slog.Logger }

var _ cmtlog.Logger = slogLogger{}

func newSlogLogger(l *slog.Logger) cmtlog.Logger {
	if l == nil {
		l = slog.Default()
	}
	return slogLogger{l: l}
}

func (s slogLogger) Debug(msg string, kv ...any) { s.log(slog.LevelDebug, msg, kv) }
func (s slogLogger) Info(msg string, kv ...any)  { s.log(slog.LevelInfo, msg, kv) }
func (s slogLogger) Error(msg string, kv ...any) { s.log(errorLevel(msg, kv), msg, kv) }

func (s slogLogger) With(kv ...any) cmtlog.Logger {
	return slogLogger{l: s.l.With(slogArgs(kv)...)}
}

func (s slogLogger) log(level slog.Level, msg string, kv []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	s.l.Log(ctx, level, msg, slogArgs(kv)...)
}

// errorLevel demotes errors CometBFT reports on every clean shutdown, so
// that stopping a node does not look like a failure.
func errorLevel(msg string, kv []any) slog.Level {
	switch msg {
	case "Stopped accept routine, as transport is closed":
		return slog.LevelDebug
	case "Error serving server":
		for _, v := range kv {
			if err, ok := v.(error); ok && errors.Is(err, net.ErrClosed) {
				return slog.LevelDebug
			}
		}
	}
	return slog.LevelError
}

// slogArgs makes CometBFT key-values safe for any slog handler: keys become
// strings, and errors, Stringers and byte slices are rendered as CometBFT's
// own logger renders them (JSON handlers would otherwise print "{}" for
// errors or dump whole structs).
func slogArgs(kv []any) []any {
	out := make([]any, len(kv))
	for i, v := range kv {
		if i%2 == 0 {
			if _, ok := v.(string); !ok {
				v = fmt.Sprint(v)
			}
			out[i] = v
			continue
		}
		switch x := v.(type) {
		case error, fmt.Stringer:
			out[i] = fmt.Sprint(x) // fmt recovers from nil-receiver panics
		case []byte:
			out[i] = fmt.Sprintf("%X", x)
		default:
			out[i] = v
		}
	}
	return out
}
