#!/usr/bin/env bash
# The whole test command (`npm test`): provision real Temporal, static checks, then every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-temporal.sh
echo "typecheck, build, lint, workflow bundle" >&2
npx tsc --noEmit -p tsconfig.json
# The CLI tests run bin/deploywatch.js, which runs the compiled dist/.
npm run build
npx eslint .
npx tsx scripts/check-workflow-bundle.ts
node --import tsx --test --test-reporter=spec "$@" test/*.test.ts
