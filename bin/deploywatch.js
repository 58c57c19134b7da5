#!/usr/bin/env node
// Runs the compiled CLI: `npm run build` writes dist/, and `prepare` runs it on install.
const { main } = require('../dist/cli/main.js');
main(process.argv).then((code) => process.exit(code));
