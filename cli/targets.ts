// What the operator types, turned into what the API wants: a host name into its host group (from /v1/groups, else
// from the inventory's /v1/hosts), and any of `failover/<group>/<host>`, its URL-encoded form, `<group>/<host>` or
// just `<host>` into the failover id, URL-encoded for the path.
import type { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';

/** The forms of a failover id the CLI accepts. */
export const ID_FORMS = 'failover/<group>/<host>, <group>/<host> or just <host>';

/** How failover ids look, for messages. */
export const FAILOVER_ID_HINT = `a failover is named ${ID_FORMS} (\`lazarus query failover\` lists them)`;

/** The host group of `host`: `group` when given, else the one group that has the host (CliError 5 otherwise). */
export async function groupOfHost(client: ApiClient, host: string, group?: string): Promise<string> {
  if (group) return group;
  const groups = await hostGroups(client);
  const holding = [...groups].filter(([, hosts]) => hosts.includes(host)).map(([name]) => name);
  if (holding.length === 1) return holding[0]!;
  if (holding.length > 1)
    throw new CliError(`host ${host} is in host groups ${holding.join(', ')}`, EXIT.usage, 'say which with --group');
  const known = [...groups.values()].flat();
  throw new CliError(
    `no host ${host} in any host group`,
    EXIT.notFound,
    known.length > 0
      ? `known hosts: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''} (\`lazarus query host\`)`
      : 'no host is known yet: the first discovery may still be running (`lazarus query host`)',
  );
}

/** The failover id the operator means, from any of the accepted forms; a bare host is looked up. */
export async function failoverId(client: ApiClient, input: string, group?: string): Promise<string> {
  let text = input.trim();
  if (/%2f/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new CliError(`${input} is not a valid URL-encoded failover id`, EXIT.usage, FAILOVER_ID_HINT);
    }
  }
  const parts = text.split('/');
  if (parts[0] === 'failover' && parts.length >= 3) return text;
  if (parts.length === 2 && parts.every(Boolean)) return `failover/${parts[0]}/${parts[1]}`;
  if (parts.length === 1 && text) return `failover/${await groupOfHost(client, text, group)}/${text}`;
  throw new CliError(`${input} does not name a failover`, EXIT.usage, FAILOVER_ID_HINT);
}

/** The API path of a failover id (its `/` URL-encoded as the API requires). */
export function failoverPath(id: string, suffix = ''): string {
  return `/v1/failovers/${encodeURIComponent(id)}${suffix}`;
}

/** Host group → host names: the configuration's (/v1/groups) when the API has it, else the inventory's. */
async function hostGroups(client: ApiClient): Promise<Map<string, string[]>> {
  const groups = new Map<string, string[]>();
  try {
    const answer = await client.get<{ groups?: Array<{ name: string; hosts?: Array<string | { name: string }> }> }>(
      '/v1/groups',
    );
    for (const g of answer.groups ?? [])
      groups.set(
        g.name,
        (g.hosts ?? []).map((h) => (typeof h === 'string' ? h : h.name)),
      );
    return groups;
  } catch (err) {
    if (!(err instanceof CliError) || err.exitCode !== EXIT.notFound) throw err;
  }
  const { hosts } = await client.get<{ hosts: Array<{ group: string; name: string }> }>('/v1/hosts');
  for (const h of hosts) groups.set(h.group, [...(groups.get(h.group) ?? []), h.name]);
  return groups;
}
