#!/usr/bin/env node
// Runs the whole suite with Node's built-in test runner (TypeScript through tsx).
// Usage: node test/run.mjs [substring ...]  — only test files whose path contains one of the substrings.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const filters = process.argv.slice(2);

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : findTests(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const files = findTests(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}
const concurrency = process.env.LAZARUS_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  // A test (or hook) that hangs fails after 10 minutes instead of holding CI: tests with their own timeout keep it.
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=600000',
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
