#!/usr/bin/env bash
# Provisions real Temporal binaries for tests, the demo and CI, from official sources:
#   - the Temporal CLI (dev server + Web UI), built from Go modules;
#   - the Java time-skipping test server, fetched from Maven Central (scripts/test-server/).
# Idempotent: anything already present is reused. The SDK's own download cannot work on our
# machines (no internet); on a machine with internet, the SDK's default download still works.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${DEPLOYWATCH_CACHE:-$repo/.cache}
cli_version=v1.5.1
cli_dir=$cache/temporal/bin
cli=$cli_dir/temporal
stamp=$cli_dir/.version

say() { printf 'provision: %s\n' "$*" >&2; }

cli_ready() {
  [ -x "$cli" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$cli_version" ]
}

if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { say "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable"; exit 1; }
  say "Temporal CLI: using \$TEMPORAL_CLI=$TEMPORAL_CLI"
elif command -v temporal >/dev/null 2>&1; then
  say "Temporal CLI: using $(command -v temporal) from PATH"
elif cli_ready; then
  say "Temporal CLI $cli_version: already present at $cli"
else
  command -v go >/dev/null 2>&1 || { say "Go is needed to build the Temporal CLI and is not installed"; exit 1; }
  mkdir -p "$cli_dir"
  say "Temporal CLI $cli_version: building from Go modules into $cli_dir (several minutes on first build)"
  started=$(date +%s)
  # v1.6+ cannot be `go install`ed (a replace directive for a nested module); v1.5.1 is pure Go.
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN=$cli_dir \
    go install "github.com/temporalio/cli/cmd/temporal@$cli_version" &
  build=$!
  while kill -0 "$build" 2>/dev/null; do
    sleep 20
    kill -0 "$build" 2>/dev/null && say "  still building ($(( $(date +%s) - started ))s)..."
  done
  if ! wait "$build"; then
    say "building the Temporal CLI failed (see the go output above)"
    exit 1
  fi
  echo "$cli_version" > "$stamp"
  say "Temporal CLI built in $(( $(date +%s) - started ))s: $(du -h "$cli" | cut -f1) at $cli"
fi

bash "$repo/scripts/test-server/provision.sh"
