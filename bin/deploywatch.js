#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the package works without a build step.
require('tsx/cjs');
const { main } = require('../src/cli/main.ts');
main(process.argv).then((code) => process.exit(code));
