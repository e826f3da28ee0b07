// VM and application health end to end: agents post heartbeats to the HTTP API, the group's health monitor reads
// their ages from the store, and a silent VM (or one whose application keeps failing) is restarted through the
// simulated HMC — in place first, then on another host of the group — under its restart limit, never running twice.
// The agents here are fakes that behave like a hung agent: silent until their VM is shut down and boots again.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Notification } from '../../activities/inventory/index.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const AGENT_TOKEN = 'agent-token-app-0123456789abcdef';
const GROUP_TOKEN = 'agent-token-group-0123456789abcdef';
const AGENT_SCRIPT = new URL('../../agent/lazarus-agent.sh', import.meta.url).pathname;

/** examples/lazarus.yaml with agent tokens, short health timeouts and quick polls (the simulator runs 2000× fast). */
function withHealthConfig(yaml: string): string {
  process.env.LAZARUS_TEST_AGENT_APP = AGENT_TOKEN;
  process.env.LAZARUS_TEST_AGENT_GROUP = GROUP_TOKEN;
  const policies = [
    '  - match: { pattern: "dc1-*" }',
    '    health: { heartbeatTimeout: 4s, restartLimit: 3, appFailureThreshold: 3, bootTimeout: 40s }',
    '  - match: { name: dc1-web01 }',
    '    health: { restartLimit: 1 }',
    '  - match: { name: dc1-app03 }',
    '    health: { action: alert }',
    '  - match: { name: dc1-app04 }',
    '    health: { action: alert }',
    '',
  ].join('\n');
  const agents = [
    'agents:',
    '  checkInterval: 300ms',
    '  resumeGrace: 0s',
    '  tokens:',
    '    - { name: app-agents, token: env:LAZARUS_TEST_AGENT_APP, vms: ["dc1-app*"] }',
    '    - { name: prod-agents, token: env:LAZARUS_TEST_AGENT_GROUP, group: dc1-prod }',
    '',
  ].join('\n');
  const edited = yaml
    .replace('pollInterval: 2s', 'pollInterval: 200ms')
    .replace('policies:\n', `policies:\n${policies}`);
  return `${edited}\n${agents}`;
}

/**
 * A fake agent in one VM: posts a heartbeat every 250 ms while its LPAR is Running on some host. `hang()` makes it
 * silent until the LPAR has been seen Not Activated and Running again (a reboot cures it); `failApp()` reports its
 * application failed until the next reboot.
 */
class FakeAgent {
  private hung = false;
  private appFailing = false;
  private sawDown = false;
  private timer?: NodeJS.Timeout;
  posted = 0;

  constructor(
    private readonly lazarus: SimulatedLazarus,
    readonly vm: string,
    private readonly token: string,
  ) {}

  start(): this {
    // A reboot in the simulator takes milliseconds: the agent learns of it from every change, not by polling.
    this.lazarus.fleet.model.onChange(() => {
      const states = Object.values(statesOf(this.lazarus, this.vm));
      if (!states.includes('Running') && states.includes('Not Activated')) this.sawDown = true;
    });
    this.timer = setInterval(() => void this.tick(), 250);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  hang(): void {
    this.hung = true;
    this.sawDown = false;
  }

  failApp(): void {
    this.appFailing = true;
    this.sawDown = false;
  }

  private async tick(): Promise<void> {
    const states = statesOf(this.lazarus, this.vm);
    if (!Object.values(states).includes('Running')) return;
    if (this.sawDown) [this.hung, this.appFailing, this.sawDown] = [false, false, false];
    if (this.hung) return;
    await postHeartbeat(this.lazarus, this.token, {
      vm: this.vm,
      sentAt: new Date().toISOString(),
      apps: [
        { name: 'main', status: this.appFailing ? 'failed' : 'ok', detail: this.appFailing ? 'exit 1' : 'exit 0' },
      ],
    }).then(
      () => this.posted++,
      () => undefined,
    );
  }
}

/** The VM's partition state on every host that defines it, from the simulator's model. */
function statesOf(lazarus: SimulatedLazarus, vm: string): Record<string, string> {
  const states: Record<string, string> = {};
  for (const [name, system] of lazarus.fleet.model.systems) {
    const partition = system.partitions.find((p) => p.name === vm);
    if (partition) states[name] = partition.state;
  }
  return states;
}

async function postHeartbeat(lazarus: SimulatedLazarus, token: string | null, body: unknown) {
  const response = await fetch(`${lazarus.apiUrl}/v1/agents/heartbeat`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('VM and application health (agents, monitor, restarts on the simulated fleet)', () => {
  let lazarus: SimulatedLazarus;
  /** Every change the simulator saw, in order, with its cause (`hmc-dc1: chsysstate …`, `time: …`). */
  const causes: string[] = [];
  /** VMs seen active on two hosts at once at any change (must stay empty). */
  const doubleRuns: string[] = [];
  const agents: FakeAgent[] = [];

  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'vm-health', editConfig: withHealthConfig });
    assert.equal(await lazarus.discover(), 'ok');
    lazarus.fleet.model.onChange((cause) => {
      causes.push(cause);
      for (const vm of ['dc1-app01', 'dc1-mq01', 'dc1-web01', 'dc1-batch01']) {
        const active = Object.entries(statesOf(lazarus, vm)).filter(([, state]) => state !== 'Not Activated');
        if (active.length > 1) doubleRuns.push(`${vm}: ${JSON.stringify(active)} after ${cause}`);
      }
    });
  });

  after(async () => {
    for (const agent of agents) agent.stop();
    await lazarus?.stop();
  });

  const agent = (vm: string, token = GROUP_TOKEN) => {
    const started = new FakeAgent(lazarus, vm, token).start();
    agents.push(started);
    return started;
  };
  const restarts = (vm: string) => lazarus.store.vmRestarts(vm);
  const finishedRestart = (vm: string, count = 1) =>
    eventually(
      `${count} finished restart(s) of ${vm}`,
      async () => {
        const done = (await restarts(vm)).filter((r) => r.outcome);
        return done.length >= count ? done[0] : undefined;
      },
      120_000,
      200,
    );
  const notifications = async (vm: string): Promise<Notification[]> =>
    (await lazarus.store.recentNotifications(500)).filter((n) => n.message.includes(vm)).reverse();
  const commandsFor = (vm: string) => causes.filter((c) => c.startsWith('hmc-dc1:') && c.includes(` ${vm}`));

  it('refuses operator tokens, other VMs and bad bodies at the agent endpoint; agent tokens elsewhere', async () => {
    const ok = await postHeartbeat(lazarus, AGENT_TOKEN, { vm: 'dc1-app03', apps: [{ name: 'web', status: 'ok' }] });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    assert.equal(ok.body.group, 'dc1-prod');

    const operator = await postHeartbeat(lazarus, lazarus.token, { vm: 'dc1-app03' });
    assert.equal(operator.status, 401);
    assert.equal((await postHeartbeat(lazarus, null, { vm: 'dc1-app03' })).status, 401);

    const outside = await postHeartbeat(lazarus, AGENT_TOKEN, { vm: 'dc1-db01' });
    assert.equal(outside.status, 403);
    assert.equal(outside.body.code, 'out_of_scope');
    const unknown = await postHeartbeat(lazarus, GROUP_TOKEN, { vm: 'nowhere-01' });
    assert.equal(unknown.status, 403, 'a group token covers only VMs of its group');

    const badStatus = await postHeartbeat(lazarus, AGENT_TOKEN, {
      vm: 'dc1-app03',
      apps: [{ name: 'x', status: 'up' }],
    });
    assert.equal(badStatus.status, 400);
    assert.match(String(badStatus.body.message), /apps\.0\.status/);
    const badVm = await postHeartbeat(lazarus, AGENT_TOKEN, { apps: [] });
    assert.equal(badVm.status, 400);
    assert.match(String(badVm.body.message), /\bvm\b/);
    const extra = await postHeartbeat(lazarus, AGENT_TOKEN, { vm: 'dc1-app03', token: 'x' });
    assert.equal(extra.status, 400);
    const tooLarge = await postHeartbeat(lazarus, AGENT_TOKEN, { vm: 'dc1-app03', pad: 'x'.repeat(40_000) });
    assert.equal(tooLarge.status, 413);

    const asOperator = await fetch(`${lazarus.apiUrl}/v1/hosts`, {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
    });
    assert.equal(asOperator.status, 401, 'an agent token is not an operator token');
    const openapi = await lazarus.api<{ paths: Record<string, unknown> }>('GET', '/v1/openapi.json');
    assert.ok(openapi.body.paths['/v1/agents/heartbeat'] && openapi.body.paths['/v1/vms/{vm}/health']);
    assert.equal((await lazarus.api('GET', '/v1/vms/nowhere-01/health')).status, 404);
    const silentSoFar = await lazarus.api<Record<string, unknown>>('GET', '/v1/vms/dc1-db01/health');
    assert.deepEqual([silentSoFar.status, silentSoFar.body.reported], [200, false], 'known, never reported');
    const health = await lazarus.api<Record<string, unknown>>('GET', '/v1/vms/dc1-app03/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.reported, true);
    assert.equal(health.body.agent, 'app-agents');
    assert.deepEqual(
      (health.body.apps as Array<{ name: string; status: string }>).map((a) => [a.name, a.status]),
      [['web', 'ok']],
    );
  });

  it('leaves a VM alone while its heartbeats flow', async () => {
    const steady = agent('dc1-app02', AGENT_TOKEN);
    // Long enough for the monitor to check many times past the 4 s heartbeat timeout.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    assert.ok(steady.posted > 5, `the fake agent posted ${steady.posted} heartbeats`);
    assert.deepEqual(await restarts('dc1-app02'), []);
    assert.deepEqual(commandsFor('dc1-app02'), []);
    const health = await lazarus.api<Record<string, unknown>>('GET', '/v1/vms/dc1-app02/health');
    assert.equal(health.body.silent, false);
  });

  it('restarts a silent VM in place: shutdown --immed, Not Activated, activate, Running, heartbeat', async () => {
    const silent = agent('dc1-app01', AGENT_TOKEN);
    await eventually('a first heartbeat of dc1-app01', async () => (silent.posted > 0 ? true : undefined), 20_000);
    silent.hang();
    const restart = await finishedRestart('dc1-app01');
    assert.equal(restart.outcome, 'restarted-in-place', JSON.stringify(restart.report));
    assert.equal(restart.reason.kind, 'heartbeat-lost');
    const commands = commandsFor('dc1-app01');
    const shutdown = commands.findIndex((c) => /-m dc1-s01 -r lpar -o shutdown --immed -n dc1-app01/.test(c));
    const activate = commands.findIndex((c) => /-m dc1-s01 -r lpar -o on -n dc1-app01 -f /.test(c));
    assert.ok(shutdown >= 0 && activate > shutdown, commands.join('\n'));
    const notActivated = causes.indexOf('time: dc1-s01/dc1-app01 Not Activated');
    assert.ok(notActivated > causes.indexOf(commands[shutdown]!), 'Not Activated seen after the shutdown');
    assert.ok(notActivated < causes.indexOf(commands[activate]!), 'and before the activation');
    assert.deepEqual(statesOf(lazarus, 'dc1-app01'), { 'dc1-s01': 'Running' });
    const kinds = (await notifications('dc1-app01')).map((n) => n.kind);
    assert.deepEqual(kinds.slice(0, 2), ['vm-heartbeat-lost', 'vm-restarted']);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
    const health = await lazarus.api<{ restarts: Array<{ outcome: string }> }>('GET', '/v1/vms/dc1-app01/health');
    assert.equal(health.body.restarts[0]?.outcome, 'restarted-in-place');
  });

  it('restarts it on another host when the in-place activation fails, never running it twice', async () => {
    const vm = 'dc1-mq01';
    const silent = agent(vm);
    await eventually(`a first heartbeat of ${vm}`, async () => (silent.posted > 0 ? true : undefined), 20_000);
    // Hosts the monitor quarantined for flapping are no destination: only dc1-s04 is open.
    const quarantined = ['dc1-s02', 'dc1-s03'];
    for (const host of quarantined)
      await lazarus.store.hostMonitoring().recordQuarantine({
        group: 'dc1-prod',
        host,
        since: new Date().toISOString(),
        until: new Date(Date.now() + 600_000).toISOString(),
        reason: '4 changes between up and down within 10 min (flapLimit 3)',
        monitorId: 'monitor/dc1-prod',
      });
    await lazarus.control('POST', '/faults', {
      kind: 'command-fail',
      target: 'hmc-dc1',
      command: 'chsysstate',
      match: `-m dc1-s01 -r lpar -o on -n ${vm}`,
      times: 20,
      message: 'HSCLA9F0 The partition cannot be activated (test fault)',
    });
    silent.hang();
    const restart = await finishedRestart(vm);
    assert.equal(restart.outcome, 'restarted-elsewhere', JSON.stringify(restart.report, null, 1));
    const states = statesOf(lazarus, vm);
    const [host, state] = Object.entries(states)[0]!;
    assert.deepEqual(states, { [host]: 'Running' }, 'defined and running on exactly one host');
    assert.equal(host, 'dc1-s04', 'neither the source nor a quarantined host');
    for (const other of quarantined) await lazarus.store.hostMonitoring().clearQuarantine(other);
    assert.equal((restart.report as { finalHost?: string }).finalHost, host);
    assert.equal(state, 'Running');
    const commands = commandsFor(vm);
    const move = commands.findIndex((c) => c.includes(`migrlpar -o m -m dc1-s01 -t ${host} -p ${vm}`));
    const shutdown = commands.findIndex((c) => c.includes(`-m dc1-s01 -r lpar -o shutdown --immed -n ${vm}`));
    assert.ok(shutdown >= 0 && move > shutdown, commands.join('\n'));
    const steps = (restart.report as { steps: Array<{ step: string; host: string; ok: boolean }> }).steps;
    assert.deepEqual(
      steps.map((s) => [s.step, s.host, s.ok]),
      [
        ['shutdown', 'dc1-s01', true],
        ['activate', 'dc1-s01', false],
        ['shutdown', 'dc1-s01', true],
        ['move', host, true],
        ['activate', host, true],
      ],
    );
    assert.ok(
      commands.slice(move).some((c) => c.includes(`-m ${host} -r lpar -o on -n ${vm}`)),
      commands.join('\n'),
    );
    assert.deepEqual(doubleRuns, []);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
    const lpars = await lazarus.api<{ lpars: Array<{ name: string; host: string }> }>('GET', '/v1/lpars');
    assert.equal(lpars.body.lpars.find((l) => l.name === vm)?.host, host, 'the inventory knows where it runs now');
  });

  it('alerts only once the restart limit per hour is reached', async () => {
    const vm = 'dc1-web01';
    const silent = agent(vm);
    await eventually(`a first heartbeat of ${vm}`, async () => (silent.posted > 0 ? true : undefined), 20_000);
    silent.hang();
    assert.equal((await finishedRestart(vm)).outcome, 'restarted-in-place');
    const before = silent.posted;
    await eventually(`${vm} reports again`, async () => (silent.posted > before ? true : undefined), 30_000);
    const shutdowns = commandsFor(vm).filter((c) => c.includes('-o shutdown')).length;
    silent.hang();
    await eventually(
      `a vm-restart-limit notification for ${vm}`,
      async () => ((await notifications(vm)).some((n) => n.kind === 'vm-restart-limit') ? true : undefined),
      60_000,
      200,
    );
    assert.equal(commandsFor(vm).filter((c) => c.includes('-o shutdown')).length, shutdowns, 'no second shutdown');
    assert.equal((await restarts(vm)).length, 1, 'a refused restart is not counted');
    assert.deepEqual(statesOf(lazarus, vm), { 'dc1-s01': 'Running' });
  });

  it('restarts a VM whose application failed N heartbeats in a row', async () => {
    const vm = 'dc1-batch01';
    const failing = agent(vm);
    await eventually(`a first heartbeat of ${vm}`, async () => (failing.posted > 0 ? true : undefined), 20_000);
    failing.failApp();
    const restart = await finishedRestart(vm);
    assert.equal(restart.outcome, 'restarted-in-place', JSON.stringify(restart.report));
    assert.equal(restart.reason.kind, 'app-failed');
    assert.ok((restart.reason as { failures: number }).failures >= 3);
    assert.ok(commandsFor(vm).some((c) => c.includes('-o shutdown --immed')));
    assert.ok((await notifications(vm)).some((n) => n.kind === 'app-failed'));
  });

  it('only alerts for a VM whose policy says alert', async () => {
    // dc1-app03 reported once in the first test and has been silent since.
    const vm = 'dc1-app03';
    await eventually(
      `a vm-heartbeat-lost notification for ${vm}`,
      async () => ((await notifications(vm)).some((n) => n.kind === 'vm-heartbeat-lost') ? true : undefined),
      60_000,
      200,
    );
    assert.deepEqual(commandsFor(vm), []);
    assert.deepEqual(await restarts(vm), []);
  });

  it('leaves alone a VM whose host is not Operating (the failover owns it), or shut down by its owner', async () => {
    const onFailedHost = 'dc1-web04';
    const shutDown = 'dc1-web02';
    const silentAgents = [agent(onFailedHost), agent(shutDown)];
    for (const silent of silentAgents)
      await eventually(`a first heartbeat of ${silent.vm}`, async () => (silent.posted > 0 ? true : undefined), 20_000);
    const fault = await lazarus.control<{ id: string }>('POST', '/faults', { kind: 'host-error', target: 'dc1-s04' });
    silentAgents[0]!.hang();
    await lazarus.devices.hmc('hmc-dc1').shutdownPartition('dc1-s02', shutDown);
    for (const [vm, outcome] of [
      [onFailedHost, 'host-not-operating'],
      [shutDown, 'left-off'],
    ] as const) {
      const notice = await eventually(
        `an alert about ${vm}`,
        async () => (await notifications(vm)).find((n) => n.kind === 'vm-heartbeat-lost'),
        60_000,
        200,
      );
      assert.match(notice.message, outcome === 'left-off' ? /left off/ : /the host failover owns it/);
      assert.deepEqual(await restarts(vm), [], `${vm}: nothing admitted (${outcome})`);
    }
    assert.deepEqual(commandsFor(onFailedHost), []);
    assert.deepEqual(
      commandsFor(shutDown).filter((c) => !c.includes('-o shutdown --immed')),
      [],
      'only the shutdown its owner asked for',
    );
    await lazarus.control('DELETE', `/faults/${fault.id}`);
  });

  it('the reference agent script posts a heartbeat with its application checks', async () => {
    const dir = join(lazarus.dir, 'agent');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), `${AGENT_TOKEN}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'agent.conf'),
      [
        `LAZARUS_URL=${lazarus.apiUrl}`,
        `LAZARUS_TOKEN_FILE=${join(dir, 'token')}`,
        'LAZARUS_VM=dc1-app04',
        'LAZARUS_INTERVAL=30',
        'LAZARUS_APP_true_app="true"',
        'LAZARUS_APP_broken="sh -c \'exit 3\'"',
        '',
      ].join('\n'),
    );
    const { stderr } = await promisify(execFile)('sh', [AGENT_SCRIPT, '--once', '--config', join(dir, 'agent.conf')], {
      timeout: 30_000,
    });
    assert.match(stderr, /heartbeat sent/);
    const beat = await lazarus.store.agentHeartbeat('dc1-app04');
    assert.ok(beat, 'the heartbeat is stored');
    assert.equal(beat.agent, 'app-agents');
    assert.deepEqual(
      beat.apps.map((a) => [a.name, a.status, a.consecutiveFailures]),
      [
        ['broken', 'failed', 1],
        ['true_app', 'ok', 0],
      ],
    );
  });

  it('restarts nothing when every agent of the group falls silent at once (a blackout)', async () => {
    for (const running of agents) running.stop();
    const changesBefore = causes.filter((c) => c.startsWith('hmc-dc1:')).length;
    const startedAt = new Date().toISOString();
    await eventually(
      'a blackout alert',
      async () =>
        (await lazarus.store.recentNotifications(50)).find(
          (n) => n.kind === 'vm-heartbeat-lost' && n.message.startsWith('no VM of dc1-prod') && n.raisedAt >= startedAt,
        ),
      60_000,
      200,
    );
    // Several more checks (300 ms each) past every timeout: still nothing is shut down or started.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.deepEqual(causes.filter((c) => c.startsWith('hmc-dc1:')).slice(changesBefore), []);
  });
});
