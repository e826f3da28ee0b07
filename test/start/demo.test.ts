// `npm run demo`: fails dc1-s01 in the simulator, shows each destination stream live and ends with the report.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

describe('npm run demo', () => {
  it(
    'shows the failover stream by stream and ends with a succeeded report and no violation',
    { timeout: 120_000 },
    async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/lazarus-demo.ts'], {
        env: { ...process.env, LAZARUS_SIM_TIME_SCALE: '0.005', TEMPORAL_ADDRESS: '', TEMPORAL_CLI: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 0, output);
      assert.ok(!output.includes('\x1b['), 'no cursor movement when stdout is not a terminal');

      const live = output.slice(0, output.indexOf('Report of'));
      assert.match(live, /phase execute {2}elapsed \d+\.\d s of an RTO budget of 1800\.0 s/);
      assert.match(
        live,
        /fence proof: dc1-s01 Power Off \(confirmed\), \d+ FC port\(s\) removed from host object dc1-s01/,
      );
      for (const destination of ['dc1-s02', 'dc1-s03', 'dc1-s04']) {
        assert.match(
          live,
          new RegExp(`stream → ${destination} .*(pending|mapping|vios|activating|waiting-running)`),
          `${destination} shown in progress`,
        );
        assert.match(live, new RegExp(`stream → ${destination} .*(?<!-)running`), `${destination} shown running`);
      }

      const report = output.slice(output.indexOf('Report of'));
      assert.match(
        report,
        /Report of failover\/dc1-prod\/dc1-s01: succeeded in \d+\.\d s \(within the RTO budget of 1800\.0 s\)/,
      );
      assert.match(report, /fence proof: dc1-s01 Power Off \(confirmed\)/);
      for (const lpar of ['dc1-db01', 'dc1-app01', 'dc1-web01', 'dc1-mq01', 'dc1-batch01']) {
        assert.match(
          report,
          new RegExp(`${lpar}\\s+→ dc1-s0[234]\\s+running\\s+mapping \\d+\\.\\d s, .*running \\d+\\.\\d s`),
          report,
        );
      }
      assert.match(report, /simulator safety violations: 0\n/);
    },
  );
});
