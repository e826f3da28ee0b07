// Which workflow ids the failover routes accept: `failover/<group>/<host>` with a group and host of the
// configuration. A destination stream (`failover/<g>/<h>/round-<n>/stream/<dest>`), a dry run (`dry-run/…`) or any
// other workflow id is a clear 404 naming what it is, so an operator cannot steer a child workflow by mistake.
import type { LazarusConfig } from '../domain/config/index.js';
import { ApiError } from './errors.js';

export interface FailoverTarget {
  id: string;
  group: string;
  host: string;
}

const STREAM_ID = /^(failover\/[^/]+\/[^/]+)\/round-\d+\/stream\/[^/]+$/;

/** The failover `id` names, or ApiError 404 `not_a_failover` / `unknown_group` / `unknown_host` saying why not. */
export function failoverTarget(config: Pick<LazarusConfig, 'hostGroups'>, id: string): FailoverTarget {
  const stream = STREAM_ID.exec(id);
  if (stream) {
    throw new ApiError(
      404,
      'not_a_failover',
      `${id} is a destination stream of ${stream[1]}; these routes take failover ids (failover/<group>/<host>)`,
    );
  }
  if (id.startsWith('dry-run/'))
    throw new ApiError(
      404,
      'not_a_failover',
      `${id} is a dry run: its plan was the answer to its POST and is not kept`,
    );
  const parts = id.split('/');
  if (parts.length !== 3 || parts[0] !== 'failover' || !parts[1] || !parts[2]) {
    throw new ApiError(404, 'not_a_failover', `no failover ${id}: failover ids are failover/<group>/<host>`);
  }
  const [, group, host] = parts as [string, string, string];
  const groupConfig = config.hostGroups.find((g) => g.name === group);
  if (!groupConfig)
    throw new ApiError(404, 'unknown_group', `no failover ${id}: host group ${group} is not in the configuration`);
  if (!groupConfig.hosts.includes(host))
    throw new ApiError(404, 'unknown_host', `no failover ${id}: host ${host} is not in host group ${group}`);
  return { id, group, host };
}

/** Every failover id the configuration allows, optionally of one group and/or one host. */
export function failoverIds(
  config: Pick<LazarusConfig, 'hostGroups'>,
  filter: { group?: string; host?: string },
): string[] {
  if (filter.group && !config.hostGroups.some((g) => g.name === filter.group)) {
    throw new ApiError(404, 'unknown_group', `host group ${filter.group} is not in the configuration`);
  }
  const groups = config.hostGroups.filter((g) => !filter.group || g.name === filter.group);
  const ids = groups.flatMap((g) =>
    g.hosts.filter((h) => !filter.host || h === filter.host).map((h) => `failover/${g.name}/${h}`),
  );
  if (filter.host && ids.length === 0) {
    throw new ApiError(
      404,
      'unknown_host',
      `host ${filter.host} is not in ${filter.group ? `host group ${filter.group}` : 'any host group'}`,
    );
  }
  return ids;
}
