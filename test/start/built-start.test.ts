// The image runs compiled JavaScript: `npm run build` (tsc -p tsconfig.build.json, then deploy/copy-build-assets.mjs)
// must give a dist/bin/lazarus-start.js that starts the embedded stack with plain node — the devserver too, through
// the copied bin/temporal-dev loading the compiled devserver/main.js — and a dist/bin/lazarus.js CLI that talks to it.
// The build takes about 50 s of this test on a 2-core machine (tsc), the start some 20 s more.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { embeddedEnv, http, REPO_ROOT, startedFrom, startProcess } from './start-process.js';

describe('the build', () => {
  it('runs the embedded stack from compiled JavaScript, and its CLI', { timeout: 600_000 }, async () => {
    // Under node_modules/ so that the compiled code resolves the packages as dist/ does.
    const out = mkdtempSync(join(REPO_ROOT, 'node_modules', '.lazarus-built-start-'));
    const home = mkdtempSync(join(tmpdir(), 'lazarus-built-start-'));
    let start: ReturnType<typeof startProcess> | undefined;
    try {
      const tsc = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
      assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
      const assets = spawnSync(process.execPath, ['deploy/copy-build-assets.mjs', out], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      assert.equal(assets.status, 0, assets.stderr);
      for (const file of ['bin/lazarus-start.js', 'bin/lazarus.js', 'bin/temporal-dev', 'devserver/main.js'])
        assert.ok(existsSync(join(out, file)), `${file} is in the build`);

      // Plain node: no TypeScript loader in the start's own process.
      start = startProcess(process.execPath, [join(out, 'bin/lazarus-start.js')], embeddedEnv(home));
      await start.waitFor(/Lazarus is ready/, 240_000);
      const started = startedFrom(start.output());
      assert.match(start.output(), /Temporal: Lazarus devserver/);
      assert.match(start.output(), /discovery dc1-prod: ok, 20 LPARs/);
      assert.equal((await http(`${started.api}/v1/healthz`)).status, 200);

      const cli = spawnSync(process.execPath, [join(out, 'bin/lazarus.js'), 'query', 'host', '--json'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, LAZARUS_URL: started.api, LAZARUS_API_TOKEN: started.token },
      });
      assert.equal(cli.status, 0, cli.stdout + cli.stderr);
      assert.match(cli.stdout, /dc1-s01/);

      start.child.kill('SIGTERM');
      assert.deepEqual(await start.exited, { code: 0, signal: null }, start.output().slice(-2000));
    } finally {
      start?.kill();
      rmSync(out, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
