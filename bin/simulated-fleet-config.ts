// examples/lazarus.yaml pointed at a running simulated fleet: its ports, its host keys, its passwords in a secrets
// file under `home`. Shared by `npm start` and `npm run demo`.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText, type LazarusConfig } from '../domain/config/index.js';
import { writeEndpointsFile, type SimulatedFleet } from '../simulators/index.js';

export function simulatedFleetConfig(
  fleet: SimulatedFleet,
  home: string,
): { config: LazarusConfig; file: string; secrets: string } {
  writeEndpointsFile(join(home, 'endpoints.json'), fleet.endpoints);
  const knownHosts = join(home, 'known_hosts');
  writeFileSync(knownHosts, fleet.knownHosts(), { mode: 0o600 });
  const secrets = join(home, 'secrets.yaml');
  writeFileSync(
    secrets,
    fleet.endpoints.devices.map((d) => `${d.name}:\n  password: ${JSON.stringify(d.password)}\n`).join(''),
    { mode: 0o600 },
  );
  process.env.LAZARUS_SECRETS_FILE = secrets;
  process.env.LAZARUS_API_TOKEN ||= existsSync(join(home, 'api-token'))
    ? readFileSync(join(home, 'api-token'), 'utf8').trim()
    : randomBytes(18).toString('base64url');
  writeFileSync(join(home, 'api-token'), process.env.LAZARUS_API_TOKEN, { mode: 0o600 });
  let text = readFileSync('examples/lazarus.yaml', 'utf8').replace(
    'knownHostsFile: .lazarus/known_hosts',
    `knownHostsFile: ${knownHosts}`,
  );
  for (const device of fleet.endpoints.devices)
    text = text.replace(new RegExp(`(name: ${device.name}\\n\\s+address: )\\S+`), `$1${device.host}:${device.port}`);
  const file = join(home, 'lazarus.yaml');
  writeFileSync(file, text);
  return { config: parseConfigText(text, file), file, secrets };
}
