#!/usr/bin/env bash
# Regenerates the Go code for proto/ (needs protoc and protoc-gen-go on PATH;
# the generated files are committed, so building never needs them).
set -euo pipefail
cd "$(dirname "$0")/.."
protoc -I proto --go_out=. --go_opt=module=github.com/restaked/restaked proto/restaked/tx/v1/tx.proto
