// Reduced-size restarts in the planner and the configuration (issue 14 item 4): the policy's reduced size (a
// percentage or figures) is validated with errors naming the field, kept within the profile's min..desired, and used
// only when the desired size fits on no host, in priority order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, parseConfigText, policyFor, reducedSizeOf } from '../../domain/config/index.js';
import { planFailover } from '../../activities/failover/planning.js';
import type { Lpar } from '../../domain/inventory/index.js';
import { DEFAULT_LATENCY, planPlacement, type PlannerLpar } from '../../domain/planner/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');
const WEB_POLICY = /(pattern: "dc1-web\*" \}\n\s+priority: low\n\s+)allowReducedSize: true[^\n]*/;

const vm = (name: string, priority: number, extra: Partial<PlannerLpar> = {}): PlannerLpar => ({
  name,
  sourceHost: 's1',
  priority,
  procUnits: { min: 0.5, desired: 1 },
  memoryMb: { min: 4096, desired: 8192 },
  volumes: 1,
  ...extra,
});

function configWith(webPolicy: string) {
  const text = EXAMPLE.replace(WEB_POLICY, `$1${webPolicy}`);
  assert.notEqual(text, EXAMPLE, 'the example has the dc1-web* policy');
  return parseConfigText(text, 'lazarus.yaml');
}

function configError(webPolicy: string): string {
  try {
    configWith(webPolicy);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return assert.fail(`expected a ConfigError for ${webPolicy}`);
}

describe('reduced size: configuration', () => {
  it('takes a percentage or figures, and turns reduced-size restarts on', () => {
    const percent = policyFor(configWith('reducedSize: { percent: 75 }'), { name: 'dc1-web01', group: 'dc1-prod' });
    assert.equal(percent.allowReducedSize, true);
    assert.deepEqual(percent.reducedSize, { percent: 75 });
    const figures = configWith('reducedSize: { procUnits: 0.3, memoryMb: 12288 }');
    assert.deepEqual(policyFor(figures, { name: 'dc1-web01', group: 'dc1-prod' }).reducedSize, {
      procUnits: 0.3,
      memoryMb: 12288,
    });
  });

  it('names the field of every mistake', () => {
    assert.match(configError('reducedSize: { percent: 0 }'), /policies\[\d+\]\.reducedSize\.percent: percent must be/);
    assert.match(configError('reducedSize: { percent: 100 }'), /percent must be below 100/);
    assert.match(configError('reducedSize: { percent: 50.5 }'), /percent must be a whole number/);
    assert.match(configError('reducedSize: { procUnits: 0.125 }'), /reducedSize\.procUnits: procUnits takes at most 2/);
    assert.match(configError('reducedSize: { memoryMb: -1 }'), /reducedSize\.memoryMb: memoryMb must be greater/);
    assert.match(configError('reducedSize: { percent: 50, memoryMb: 8192 }'), /give either percent, or procUnits/);
    assert.match(configError('reducedSize: {}'), /give either percent, or procUnits/);
    assert.match(configError('reducedSize: { percent: 50, cpu: 1 }'), /reducedSize/);
    assert.match(
      configError('reducedSize: { percent: 50 }\n    allowReducedSize: false'),
      /reducedSize: reducedSize is set but allowReducedSize is false/,
    );
  });

  it('a later policy with allowReducedSize: false turns it off again', () => {
    const config = configWith('reducedSize: { percent: 50 }');
    config.policies.push({ match: { name: 'dc1-web01' }, allowReducedSize: false });
    const policy = policyFor(config, { name: 'dc1-web01', group: 'dc1-prod' });
    assert.equal(policy.allowReducedSize, false);
    assert.equal(policy.reducedSize, undefined);
  });

  it('works the size out within the profile minimum and desired size', () => {
    const profile = { min: { procUnits: 0.25, memoryMb: 8192 }, desired: { procUnits: 0.5, memoryMb: 16384 } };
    assert.deepEqual(reducedSizeOf({ percent: 75 }, profile), { procUnits: 0.38, memoryMb: 12288 });
    assert.deepEqual(reducedSizeOf({ percent: 10 }, profile), { procUnits: 0.25, memoryMb: 8192 }, 'never below min');
    assert.deepEqual(reducedSizeOf({ memoryMb: 4096 }, profile), { procUnits: 0.25, memoryMb: 8192 });
    assert.deepEqual(reducedSizeOf({ procUnits: 3, memoryMb: 20000 }, profile), { procUnits: 0.5, memoryMb: 16384 });
    assert.deepEqual(reducedSizeOf(undefined, profile), { procUnits: 0.25, memoryMb: 8192 }, 'plain allow: minimum');
    // 30 % of 0.1 units is 0.03 exactly, not 0.04 from binary noise.
    const small = { min: { procUnits: 0.01, memoryMb: 256 }, desired: { procUnits: 0.1, memoryMb: 1024 } };
    assert.deepEqual(reducedSizeOf({ percent: 30 }, small), { procUnits: 0.03, memoryMb: 512 });
  });
});

describe('reduced size: planner', () => {
  it('places at the reduced size the policy gives, not the minimum', () => {
    const plan = planPlacement(
      [vm('web', 3, { allowReducedSize: true, reducedTo: { procUnits: 0.75, memoryMb: 6144 } })],
      [{ name: 'a', freeProcUnits: 4, freeMemoryMb: 7000 }],
      DEFAULT_LATENCY,
    );
    assert.deepEqual(
      plan.placements.map((p) => [p.lpar, p.reduced, p.procUnits, p.memoryMb]),
      [['web', true, 0.75, 6144]],
    );
  });

  it('never goes below the profile minimum, whatever reducedTo says', () => {
    const plan = planPlacement(
      [vm('web', 3, { allowReducedSize: true, reducedTo: { procUnits: 0.1, memoryMb: 1024 } })],
      [{ name: 'a', freeProcUnits: 4, freeMemoryMb: 2048 }],
      DEFAULT_LATENCY,
    );
    assert.deepEqual(plan.placements, []);
    assert.match(plan.unplaced[0]!.detail, /needs 0\.5 processing units and 4096 MB even at reduced size/);
  });

  it('takes the full size wherever it fits, even on a busier host', () => {
    const plan = planPlacement(
      [vm('big', 0), vm('web', 3, { allowReducedSize: true })],
      [
        { name: 'roomy', freeProcUnits: 4, freeMemoryMb: 17_000 },
        { name: 'tight', freeProcUnits: 4, freeMemoryMb: 4096 },
      ],
      DEFAULT_LATENCY,
    );
    const web = plan.placements.find((p) => p.lpar === 'web')!;
    assert.equal(web.destination, 'roomy');
    assert.equal(web.reduced, false);
  });

  it('keeps priority order: a higher priority is placed first, at full size, even if a lower one is then left out', () => {
    const plan = planPlacement(
      [vm('low', 3), vm('high', 0, { allowReducedSize: true })],
      [{ name: 'a', freeProcUnits: 4, freeMemoryMb: 8192 }],
      DEFAULT_LATENCY,
    );
    assert.deepEqual(
      plan.placements.map((p) => [p.lpar, p.reduced]),
      [['high', false]],
    );
    assert.deepEqual(
      plan.unplaced.map((u) => [u.lpar, u.reason]),
      [['low', 'capacity']],
    );
  });

  it('property: every placement is within min..desired, reduced only where allowed, and capacity holds', () => {
    const lpar = fc.record({
      desiredMem: fc.integer({ min: 2, max: 64 }).map((n) => n * 1024),
      desiredProc: fc.integer({ min: 10, max: 400 }).map((n) => n / 100),
      allow: fc.boolean(),
      reducedMemPart: fc.double({ min: 0, max: 1.2, noNaN: true }),
      priority: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(lpar, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1024, max: 200_000 }),
        (specs, free) => {
          const lpars = specs.map((s, i) =>
            vm(`vm${i}`, s.priority, {
              procUnits: { min: Math.round(s.desiredProc * 50) / 100, desired: s.desiredProc },
              memoryMb: { min: s.desiredMem / 2, desired: s.desiredMem },
              allowReducedSize: s.allow,
              reducedTo: { procUnits: s.desiredProc * 0.75, memoryMb: Math.round(s.desiredMem * s.reducedMemPart) },
            }),
          );
          const hosts = [
            { name: 'a', freeProcUnits: 8, freeMemoryMb: free },
            { name: 'b', freeProcUnits: 4, freeMemoryMb: Math.floor(free / 3) },
          ];
          const plan = planPlacement(lpars, hosts, DEFAULT_LATENCY);
          for (const p of plan.placements) {
            const l = lpars.find((x) => x.name === p.lpar)!;
            assert.ok(p.memoryMb >= l.memoryMb.min && p.memoryMb <= l.memoryMb.desired, JSON.stringify(p));
            assert.ok(p.procUnits + 1e-9 >= l.procUnits.min && p.procUnits <= l.procUnits.desired + 1e-9);
            if (p.reduced) assert.ok(l.allowReducedSize, `${p.lpar} reduced without its policy allowing it`);
            else assert.equal(p.memoryMb, l.memoryMb.desired);
          }
          for (const h of hosts) {
            const on = plan.placements.filter((p) => p.destination === h.name);
            assert.ok(on.reduce((n, p) => n + p.memoryMb, 0) <= h.freeMemoryMb, `${h.name} memory`);
            assert.ok(on.reduce((n, p) => n + p.procUnits, 0) <= h.freeProcUnits + 1e-6, `${h.name} processors`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a failover plan carries the reduced size; an evacuation (LPM) plan never reduces', () => {
    const config = configWith('reducedSize: { percent: 75 }');
    const web: Lpar = {
      id: 5,
      name: 'dc1-web01',
      host: 'dc1-s01',
      state: 'Running',
      profile: 'default_profile',
      processorUnits: { desired: 0.5, min: 0.25, max: 1 },
      memoryMb: { desired: 16384, min: 8192, max: 32768 },
      virtualProcessors: 1,
      volumes: [{ storageSystem: 'svc-dc1', vdiskId: '1', vdiskName: 'dc1-web01_rootvg', uid: 'u1' }],
      vscsiMappings: [],
      npivMappings: [],
    };
    const request = {
      group: config.hostGroups[0]!,
      config,
      failedHost: 'dc1-s01',
      lpars: [{ name: 'dc1-web01', excludeHosts: [] }],
      known: new Map([['dc1-web01', web]]),
      survivors: [{ name: 'dc1-s02', freeProcUnits: 4, freeMemoryMb: 12288 }],
      evidence: { readAt: '2026-11-30T05:00:00.000Z', hosts: [] },
    };
    const failover = planFailover(request);
    assert.deepEqual(failover.streams[0]?.lpars[0]?.reducedSize, {
      procUnits: 0.38,
      memoryMb: 12288,
      fullProcUnits: 0.5,
      fullMemoryMb: 16384,
    });
    const evacuation = planFailover({ ...request, fullSizeOnly: true });
    assert.deepEqual(evacuation.streams, []);
    assert.deepEqual(
      evacuation.unplaced.map((u) => [u.lpar, u.reason]),
      [['dc1-web01', 'capacity']],
    );
  });

  it('an LPAR reduced by an earlier failover is planned from its recorded full size', () => {
    const config = configWith('reducedSize: { percent: 75 }');
    // Discovery read its reduced profile: "desired" 0.38 units and 12288 MB. Its full size is in the record.
    const web: Lpar = {
      id: 5,
      name: 'dc1-web01',
      host: 'dc1-s04',
      state: 'Running',
      profile: 'default_profile',
      processorUnits: { desired: 0.38, min: 0.25, max: 1 },
      memoryMb: { desired: 12288, min: 8192, max: 32768 },
      virtualProcessors: 1,
      volumes: [{ storageSystem: 'svc-dc1', vdiskId: '1', vdiskName: 'dc1-web01_rootvg', uid: 'u1' }],
      vscsiMappings: [],
      npivMappings: [],
    };
    const request = {
      group: config.hostGroups[0]!,
      config,
      failedHost: 'dc1-s04',
      lpars: [{ name: 'dc1-web01', excludeHosts: [] }],
      known: new Map([['dc1-web01', web]]),
      evidence: { readAt: '2026-11-30T05:00:00.000Z', hosts: [] },
      reducedEarlier: new Map([['dc1-web01', { procUnits: 0.5, memoryMb: 16384 }]]),
    };
    const roomy = planFailover({ ...request, survivors: [{ name: 'dc1-s02', freeProcUnits: 4, freeMemoryMb: 65536 }] });
    const placed = roomy.streams[0]!.lpars[0]!;
    assert.equal(placed.reduced, false);
    assert.deepEqual(placed.fullSize, { procUnits: 0.5, memoryMb: 16384 }, 'its profile goes back to full first');
    const short = planFailover({ ...request, survivors: [{ name: 'dc1-s02', freeProcUnits: 4, freeMemoryMb: 14000 }] });
    assert.deepEqual(short.streams[0]!.lpars[0]!.reducedSize, {
      procUnits: 0.38,
      memoryMb: 12288,
      fullProcUnits: 0.5,
      fullMemoryMb: 16384,
    });
    assert.equal(short.streams[0]!.lpars[0]!.fullSize, undefined);
  });
});
