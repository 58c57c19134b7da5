#!/usr/bin/env bash
# The whole test command (`npm test`): provision real Temporal, static checks, then every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-temporal.sh
npx tsx scripts/provision-tools.ts --chromium
echo "typecheck, build, lint, workflow bundle" >&2
npx tsc --noEmit -p tsconfig.json
# The CLI tests run bin/deploywatch.js, which runs the compiled dist/.
npm run build
npx eslint .
npx tsx scripts/check-workflow-bundle.ts
# Every test sets its own timeout; --test-timeout is the ceiling for one that forgets (a hang would
# otherwise hold CI for its 90 minutes), and --test-force-exit stops a file whose handles linger.
export DEPLOYWATCH_TEST_TIMES=${DEPLOYWATCH_TEST_TIMES:-$(mktemp)}
status=0
node --import tsx --test --test-force-exit --test-timeout=900000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./test/support/file-times.mjs --test-reporter-destination=/dev/null \
  "$@" test/*.test.ts || status=$?
cat "$DEPLOYWATCH_TEST_TIMES" 2>/dev/null || true
exit "$status"
