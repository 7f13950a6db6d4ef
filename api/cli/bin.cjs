#!/usr/bin/env node
// The `bing` command: TypeScript run through tsx, so that `npx bing` needs no build step.
require('tsx/cjs');
require('./main.ts').runBing(process.argv.slice(2)).then((code) => process.exit(code));
