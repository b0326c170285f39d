package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/api"
)

// apiEnv overrides the default API address for every tx and query command.
const apiEnv = "RESTAKED_API"

const defaultAPI = "http://127.0.0.1:1317"

// clientTimeout outlasts the API's own bounded wait for a commit.
const clientTimeout = api.MaxCommitWait + 15*time.Second

// maxResponseBytes bounds what the CLI reads from an API answer.
const maxResponseBytes = 8 << 20

// apiClient talks to the restaked HTTP API.
type apiClient struct {
	base *url.URL
	http *http.Client
}

// apiError is an error answer from the API, in its own words.
type apiError struct {
	Status int
	Rule   string
	Msg    string
}

func (e *apiError) Error() string {
	if e.Rule == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s (rule %s)", e.Msg, e.Rule)
}

func defaultAPIAddr() string {
	if v := os.Getenv(apiEnv); v != "" {
		return v
	}
	return defaultAPI
}

// addAPIFlag adds --api to cmd and all its subcommands.
func addAPIFlag(cmd *cobra.Command, addr *string) {
	cmd.PersistentFlags().StringVar(addr, "api", defaultAPIAddr(), "restaked HTTP API address (env "+apiEnv+")")
}

func newAPIClient(addr string) (*apiClient, error) {
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("API address %q must look like %s", addr, defaultAPI)
	}
	return &apiClient{base: u, http: &http.Client{Timeout: clientTimeout}}, nil
}

func (c *apiClient) get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}

func (c *apiClient) post(ctx context.Context, path string, in, out any) error {
	bz, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, bz, out)
}

func (c *apiClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.base.String(), "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return c.unreachable(err)
	}
	defer res.Body.Close()
	bz, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("reading the answer from the API at %s: %v", c.base, err)
	}
	if res.StatusCode != http.StatusOK {
		return decodeAPIError(res.StatusCode, bz)
	}
	if err := json.Unmarshal(bz, out); err != nil {
		return fmt.Errorf("the API at %s sent an answer this client does not understand: %v", c.base, err)
	}
	return nil
}

func (c *apiClient) unreachable(err error) error {
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return fmt.Errorf("the API at %s did not answer in time", c.base)
	}
	return fmt.Errorf("cannot reach the restaked API at %s: is the node running? (set --api or %s)", c.base, apiEnv)
}

func decodeAPIError(status int, bz []byte) error {
	var body struct {
		Error string `json:"error"`
		Rule  string `json:"rule"`
	}
	if json.Unmarshal(bz, &body) != nil || body.Error == "" {
		msg := strings.TrimSpace(string(bz))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return &apiError{Status: status, Msg: fmt.Sprintf("the API answered %d %s: %s", status, http.StatusText(status), msg)}
	}
	return &apiError{Status: status, Rule: body.Rule, Msg: body.Error}
}
