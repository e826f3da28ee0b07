#!/usr/bin/env node
// Part of `npm run build`: copies into dist/ the files the compiled JavaScript reads at run time beside itself
// (tsc emits only JavaScript): the inventory store's SQL migrations, read from the directory next to migrations.js,
// the web console's static files (api/console/static, served by api/console/routes.js), and bin/temporal-dev, which
// npm start runs as the devserver when no Temporal Service is configured (it loads the compiled devserver/main.js).
// Usage: node deploy/copy-build-assets.mjs [outDir]  (default dist, tsconfig.build.json's outDir)
import { cpSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = ['activities/inventory/migrations', 'api/console/static', 'bin/temporal-dev'];
const outDir = resolve(root, process.argv[2] ?? 'dist');

for (const asset of ASSETS) {
  const from = join(root, asset);
  if (!existsSync(from)) throw new Error(`build asset ${asset} is missing`);
  cpSync(from, join(outDir, asset), { recursive: true, filter: (path) => !path.endsWith('.ts') });
}
console.log(`copied into ${outDir}: ${ASSETS.join(', ')}`);
