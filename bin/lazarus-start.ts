// `npm start`: everything Lazarus needs on this machine, with nothing configured. Today: the Temporal service
// (TEMPORAL_ADDRESS, else a `temporal` CLI, else the bundled devserver persisting to .lazarus/temporal.db) and the
// simulated fleet of examples/fleet-small.yaml, with the files a controller needs to reach it (endpoints,
// known_hosts, a secrets file). The worker and the HTTP API join here when the failover workflows land (issue 5).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chooseTemporalService, startTemporalService } from '../workers/temporal-service.js';
import { startSimulatedFleet, writeEndpointsFile } from '../simulators/index.js';

const home = resolve(process.env.LAZARUS_HOME ?? '.lazarus');
const fleetFile = process.env.LAZARUS_FLEET ?? 'examples/fleet-small.yaml';
const timeScale = Number(process.env.LAZARUS_SIM_TIME_SCALE ?? 0.1);

async function main(): Promise<void> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const choice = chooseTemporalService();
  console.log(`Temporal: ${choice.description}`);
  const temporal = await startTemporalService({ dbFile: join(home, 'temporal.db') });
  console.log(`Temporal service ready at ${temporal.address} (namespace ${temporal.namespace})`);

  const fleet = await startSimulatedFleet({ fleet: fleetFile, timeScale, stateDir: join(home, 'sim') });
  const endpointsFile = join(home, 'endpoints.json');
  writeEndpointsFile(endpointsFile, fleet.endpoints);
  const knownHostsFile = join(home, 'known_hosts');
  writeFileSync(knownHostsFile, fleet.knownHosts(), { mode: 0o600 });
  const secretsFile = join(home, 'secrets.yaml');
  writeFileSync(secretsFile, fleet.endpoints.devices.map((d) => `${d.name}:\n  password: ${JSON.stringify(d.password)}\n`).join(''), { mode: 0o600 });
  console.log(`Simulated fleet (${fleetFile}, time scale ${timeScale}):`);
  for (const device of fleet.endpoints.devices) console.log(`  ${device.kind} ${device.name} ssh://${device.user}@${device.host}:${device.port} ${device.fingerprint}`);
  console.log(`  control API ${fleet.controlUrl}  (e.g. curl ${fleet.controlUrl}/state, curl ${fleet.controlUrl}/violations)`);
  console.log(`  endpoints ${endpointsFile}, known_hosts ${knownHostsFile}, credentials secret:<device> in ${secretsFile}`);
  console.log(`Fail a host:  curl -X POST ${fleet.controlUrl}/faults -H 'content-type: application/json' -d '{"kind":"host-power-loss","target":"dc1-s01"}'`);
  console.log('Lazarus is ready (worker and HTTP API: not yet; see README "What works today"). Ctrl-C stops everything.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the simulated fleet and the Temporal service…`);
    await fleet.stop().catch((err: unknown) => console.error(`simulated fleet: ${String(err)}`));
    await temporal.stop().catch((err: unknown) => console.error(`Temporal service: ${String(err)}`));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`lazarus: cannot start: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});
