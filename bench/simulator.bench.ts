// npx tsx bench/simulator.bench.ts — the simulated fleet at scale on this machine:
//   1. fleet start (YAML model, host keys, SSH servers) and one violation-log check, for 2,000 LPARs x 24 volumes,
//      against a baseline in the same run: 200 LPARs x 24 volumes (the ratio should stay near 10, i.e. linear);
//   2. SSH command throughput at timeScale 0 (no modelled latency): SVC mkvdiskhostmap/rmvdiskhostmap pairs and
//      HMC lssyscfg on the large fleet, over one connection with 8 exec channels in flight.
import ssh2 from 'ssh2';
import { type FleetSpec, type SimulatedFleet, startSimulatedFleet } from '../simulators/index.js';

const VOLUMES_PER_LPAR = 24;
const LPARS_PER_SYSTEM = 50;

function fleetOf(lpars: number): FleetSpec {
  const systems = Array.from({ length: Math.ceil(lpars / LPARS_PER_SYSTEM) }, (_, s) => ({
    name: `bench-s${s}`,
    procUnits: 256,
    memoryMb: 4_194_304,
    storage: 'svc-bench',
    vios: [{ name: `bench-s${s}-vios1` }, { name: `bench-s${s}-vios2` }],
    lpars: Array.from({ length: LPARS_PER_SYSTEM }, (_, l) => ({
      name: `lpar-${s}-${l}`,
      procUnits: { desired: 1 },
      memoryMb: { desired: 8192 },
      volumes: Array.from({ length: VOLUMES_PER_LPAR }, (_, v) => `lpar-${s}-${l}-v${v}`),
    })),
  }));
  return {
    sites: [
      {
        name: 'bench',
        hmcs: [{ name: 'hmc-bench', password: 'bench', systems: systems.map((s) => s.name) }],
        storage: [{ name: 'svc-bench', password: 'bench' }],
        systems,
      },
    ],
  };
}

async function measureScale(lpars: number): Promise<{ fleet: SimulatedFleet; startMs: number; checkMs: number }> {
  const spec = fleetOf(lpars);
  let t = performance.now();
  const fleet = await startSimulatedFleet({ fleet: spec, timeScale: 0 });
  const startMs = performance.now() - t;
  const rounds = 20;
  t = performance.now();
  for (let i = 0; i < rounds; i++) fleet.model.changed('bench');
  return { fleet, startMs, checkMs: (performance.now() - t) / rounds };
}

async function commandsPerSecond(fleet: SimulatedFleet, deviceName: string, commands: string[]): Promise<number> {
  const endpoint = fleet.endpoints.devices.find((d) => d.name === deviceName)!;
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) =>
    client
      .once('ready', () => resolve())
      .once('error', reject)
      .connect({ host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password }),
  );
  const run = (command: string) =>
    new Promise<number>((resolve, reject) =>
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        let code = -1;
        stream
          .on('exit', (c: number) => (code = c))
          .on('close', () => resolve(code))
          .resume();
        stream.stderr.resume();
      }),
    );
  const started = performance.now();
  let next = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < commands.length) {
        const command = commands[next++]!;
        if ((await run(command)) !== 0) failures.push(command);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  client.end();
  if (failures.length > 0) throw new Error(`${failures.length} commands failed, e.g. ${failures[0]}`);
  return commands.length / seconds;
}

async function main(): Promise<void> {
  const baseline = await measureScale(200);
  await baseline.fleet.stop();
  const large = await measureScale(2000);
  try {
    console.log(
      `fleet start: ${large.startMs.toFixed(0)} ms for 2,000 LPARs x ${VOLUMES_PER_LPAR} volumes; baseline ${baseline.startMs.toFixed(0)} ms for 200 (ratio ${(large.startMs / baseline.startMs).toFixed(1)}, linear = 10)`,
    );
    console.log(
      `violation check per change: ${large.checkMs.toFixed(1)} ms at 2,000 LPARs; baseline ${baseline.checkMs.toFixed(2)} ms at 200 (ratio ${(large.checkMs / baseline.checkMs).toFixed(1)})`,
    );
    const remaps = Array.from({ length: 200 }, (_, i) => {
      const volume = `lpar-1-${i % LPARS_PER_SYSTEM}-v${Math.floor(i / LPARS_PER_SYSTEM)}`;
      return [`rmvdiskhostmap -host bench-s1 ${volume}`, `mkvdiskhostmap -host bench-s2 ${volume}`];
    }).flat();
    console.log(
      `SVC map/unmap: ${(await commandsPerSecond(large.fleet, 'svc-bench', remaps)).toFixed(0)} commands/s (8 channels, one connection)`,
    );
    const listings = Array.from({ length: 200 }, (_, i) => `lssyscfg -r lpar -m bench-s${i % 40} -F name,state`);
    console.log(
      `HMC lssyscfg -r lpar: ${(await commandsPerSecond(large.fleet, 'hmc-bench', listings)).toFixed(0)} commands/s`,
    );
  } finally {
    await large.fleet.stop();
  }
}

await main();
