package node

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
)

type hexID []byte

func (h hexID) String() string { return fmt.Sprintf("id-%x", []byte(h)) }

func TestSlogLogger(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Same wiring as Start: CometBFT's module filter over the adapter.
	l, err := cmtflags.ParseLogLevel("consensus:debug,*:info", newSlogLogger(base), "info")
	if err != nil {
		t.Fatal(err)
	}
	l = l.With("module", "p2p")
	l.Debug("dropped by module filter")
	l.Info("peer", "err", errors.New("boom"), "id", hexID{1, 2}, "raw", []byte{0xab}, 7, "nonstring key")
	l.With("module", "consensus").Debug("kept")
	l.Error("Error serving server", "err", fmt.Errorf("accept: %w", net.ErrClosed))

	out := buf.String()
	for _, want := range []string{`"err":"boom"`, `"id":"id-0102"`, `"raw":"AB"`, `"7":"nonstring key"`, `"msg":"kept"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
	if strings.Contains(out, "dropped") {
		t.Errorf("debug not filtered: %s", out)
	}
	if !strings.Contains(out, `"level":"DEBUG","msg":"Error serving server"`) {
		t.Errorf("shutdown error not demoted: %s", out)
	}
}
