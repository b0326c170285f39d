// Package e2e runs the real restaked binary as processes on 127.0.0.1:
// devnet + CLI + API, a 4-validator testnet with a restart, and crash safety.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "restaked-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "restaked")
	build := exec.Command("go", "build", "-o", binary, "../cmd/restaked")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build restaked:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// freeBlock finds a base port b such that b..b+span-1 are all free.
func freeBlock(t *testing.T, span int) int {
	t.Helper()
	for attempt := 0; attempt < 50; attempt++ {
		base := 20000 + (os.Getpid()*7+attempt*211)%30000
		ok := true
		var ls []net.Listener
		for p := base; p < base+span && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port block")
	return 0
}

// proc is a running restaked process whose output goes to a log file.
type proc struct {
	cmd *exec.Cmd
	log string
}

func start(t *testing.T, logName string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), logName+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: logPath}
	t.Cleanup(func() { p.kill(); f.Close() })
	return p
}

// stop sends SIGINT and waits (bounded) for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("process exited with %v; log:\n%s", err, p.tail())
		}
	case <-time.After(30 * time.Second):
		p.kill()
		t.Errorf("process did not stop within 30s; log:\n%s", p.tail())
	}
}

// kill sends SIGKILL (a crash) and reaps the process.
func (p *proc) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

func (p *proc) tail() string {
	bz, _ := os.ReadFile(p.log)
	if len(bz) > 4000 {
		bz = bz[len(bz)-4000:]
	}
	return string(bz)
}

// run executes the CLI to completion (bounded) and returns stdout.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%v: %s", err, errb.String())
	}
	return out.String(), nil
}

func getJSON(url string, v any) error {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	bz, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(bz)))
	}
	return json.Unmarshal(bz, v)
}

type status struct {
	Height  int64  `json:"height"`
	AppHash string `json:"app_hash"`
}

// waitHeight polls the API until height >= h (bounded by timeout).
func waitHeight(t *testing.T, api string, h int64, timeout time.Duration, p *proc) status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var st status
	var err error
	for time.Now().Before(deadline) {
		if err = getJSON(api+"/v1/status", &st); err == nil && st.Height >= h {
			return st
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not reach height %d within %v (last %+v, %v); log:\n%s", api, h, timeout, st, err, p.tail())
	return st
}

// cometAppHash reads the app hash recorded in block h+1's header (the state after block h).
func cometAppHash(t *testing.T, rpc string, h int64) string {
	t.Helper()
	var r struct {
		Result struct {
			Block struct {
				Header struct {
					AppHash string `json:"app_hash"`
				} `json:"header"`
			} `json:"block"`
		} `json:"result"`
	}
	if err := getJSON(fmt.Sprintf("%s/block?height=%d", rpc, h+1), &r); err != nil {
		t.Fatal(err)
	}
	return r.Result.Block.Header.AppHash
}
