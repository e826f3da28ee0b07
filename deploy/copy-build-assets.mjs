#!/usr/bin/env node
// Part of `npm run build`: copies into dist/ the files the compiled JavaScript reads at run time beside itself
// (tsc emits only JavaScript): the inventory store's SQL migrations, read from the directory next to migrations.js.
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = ['activities/inventory/migrations'];

for (const asset of ASSETS) {
  const from = join(root, asset);
  if (!existsSync(from)) throw new Error(`build asset ${asset} is missing`);
  cpSync(from, join(root, 'dist', asset), { recursive: true, filter: (path) => !path.endsWith('.ts') });
}
console.log(`copied into dist/: ${ASSETS.join(', ')}`);
