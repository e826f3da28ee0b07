// The inventory routes: hosts and LPARs as Lazarus knows them now (the newest discovery merged with what failovers
// and live reads observed since), each with when it was observed (`observedAt`, `ageSeconds`) and from where
// (`source`); hosts and LPARs a discovery could not describe lately are `stale`.
import type express from 'express';
import { z } from 'zod';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import type { Fleet, FleetHost, FleetLpar, ObservedLpar } from '../domain/inventory/index.js';
import { ApiError } from './errors.js';
import { checkTimeRange, cursorParam, inTimeRange, limitParam, pageOf, timeRangeParams } from './paging.js';
import { ageSeconds, asyncRoute, parse } from './routing.js';

const name = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only')
  .max(128);

/** GET /v1/hosts: filters and paging; hosts in (group, name) order. */
export const hostListQuery = z
  .strictObject({
    limit: limitParam(1000, 1000),
    cursor: cursorParam.optional(),
    group: name.optional().openapi({ description: 'only hosts of this configured host group' }),
    host: name.optional().openapi({ description: 'only this host (managed system)' }),
    ...timeRangeParams,
  })
  .openapi('HostListQuery');

/** GET /v1/lpars: filters and paging; LPARs in (group, name, host) order. */
export const lparListQuery = z
  .strictObject({
    limit: limitParam(1000, 1000),
    cursor: cursorParam.optional(),
    group: name.optional().openapi({ description: 'only LPARs of this configured host group' }),
    host: name.optional().openapi({ description: 'only LPARs on this host now' }),
    ...timeRangeParams,
  })
  .openapi('LparListQuery');

export function inventoryRoutes(app: express.Express, options: { config: LazarusConfig; store: InventoryStore }): void {
  const fleets = (query: { group?: string; host?: string }) => {
    checkFilters(options.config, query);
    const groups = options.config.hostGroups.filter(
      (g) =>
        (query.group === undefined || g.name === query.group) &&
        (query.host === undefined || g.hosts.includes(query.host)),
    );
    return Promise.all(groups.map((g) => options.store.currentFleet(g.name)));
  };
  app.get(
    '/v1/hosts',
    asyncRoute(async (req, res) => {
      const query = parse(hostListQuery, req.query, 'query');
      checkTimeRange(query);
      const now = Date.now();
      const maintenance = new Map(
        (await options.store.hostMonitoring().maintenance()).map((m) => [m.host, m] as const),
      );
      const quarantines = new Map(
        (await options.store.hostMonitoring().quarantines(undefined, new Date(now))).map((q) => [q.host, q] as const),
      );
      const hosts = (await fleets(query)).flatMap((fleet) =>
        fleet.hosts
          .filter(
            (host) => (query.host === undefined || host.name === query.host) && inTimeRange(host.observedAt, query),
          )
          .map((host) => {
            const inMaintenance = maintenance.get(host.name);
            const quarantined = quarantines.get(host.name);
            return {
              ...hostView(fleet, host, now),
              maintenance: inMaintenance
                ? { reason: inMaintenance.reason, by: inMaintenance.by, since: inMaintenance.since }
                : null,
              quarantine: quarantined
                ? { since: quarantined.since, until: quarantined.until, reason: quarantined.reason }
                : null,
            };
          }),
      );
      const page = pageOf(
        sorted(hosts, (h) => `${h.group}\u0000${h.name}`),
        query,
        (h) => `${h.group}\u0000${h.name}`,
      );
      res.json({ hosts: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    }),
  );
  app.get(
    '/v1/lpars',
    asyncRoute(async (req, res) => {
      const query = parse(lparListQuery, req.query, 'query');
      checkTimeRange(query);
      const now = Date.now();
      const lpars = (await fleets(query))
        .flatMap((fleet) => [
          ...fleet.lpars.map((lpar) => lparView(fleet, lpar, now)),
          ...fleet.undescribedLpars.map((lpar) => undescribedLparView(fleet, lpar, now)),
        ])
        .filter(
          (lpar) => (query.host === undefined || lpar.host === query.host) && inTimeRange(lpar.observedAt, query),
        );
      const key = (l: { group: string; name: string; host: string }) => `${l.group}\u0000${l.name}\u0000${l.host}`;
      const page = pageOf(sorted(lpars, key), query, key);
      res.json({ lpars: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    }),
  );
}

/** A group or host filter that names nothing configured is a mistake to say, not an empty list (404). */
function checkFilters(config: LazarusConfig, query: { group?: string; host?: string }): void {
  if (query.group !== undefined && !config.hostGroups.some((g) => g.name === query.group))
    throw new ApiError(404, 'unknown_group', `group: host group ${query.group} is not in the configuration`);
  if (query.host !== undefined && !config.hostGroups.some((g) => g.hosts.includes(query.host!)))
    throw new ApiError(404, 'unknown_host', `host: ${query.host} is not in any configured host group`);
}

/** `items` ordered by their key (code-unit order, the order pageOf's cursor compares in). */
function sorted<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * `{ group, name, state, observedAt, ageSeconds, source, stale, staleReason?, describedAt?, fenced, serial?,
 * typeModel?, hmc?, processorUnits?, memoryMb? }` — the last five as last described.
 */
function hostView(fleet: Fleet, host: FleetHost, now: number) {
  const { serial, typeModel, hmc, processorUnits, memoryMb } = host.system ?? {};
  return {
    group: fleet.group,
    name: host.name,
    state: host.state,
    observedAt: host.observedAt,
    ageSeconds: ageSeconds(host.observedAt, now),
    source: host.source,
    stale: host.staleReason !== undefined,
    ...(host.staleReason ? { staleReason: host.staleReason } : {}),
    ...(host.describedAt ? { describedAt: host.describedAt } : {}),
    fenced: host.fenced ?? false,
    ...(host.system ? { serial, typeModel, hmc, processorUnits, memoryMb } : {}),
  };
}

/**
 * `{ group, name, host, state, priority?, processorUnits, memoryMb, volumes (names), observedAt, ageSeconds, source,
 * stale, described }`
 */
function lparView(fleet: Fleet, lpar: FleetLpar, now: number) {
  return {
    group: fleet.group,
    name: lpar.name,
    host: lpar.host,
    state: lpar.state,
    priority: lpar.priority,
    processorUnits: lpar.processorUnits,
    memoryMb: lpar.memoryMb,
    volumes: lpar.volumes.map((v) => v.vdiskName),
    observedAt: lpar.observedAt,
    ageSeconds: ageSeconds(lpar.observedAt, now),
    source: lpar.source,
    stale: lpar.stale ?? false,
    described: true,
  };
}

/** An LPAR a failover or live read saw that no discovery described: no sizes or volumes known (`described: false`). */
function undescribedLparView(fleet: Fleet, lpar: ObservedLpar, now: number) {
  return { group: fleet.group, ...lpar, ageSeconds: ageSeconds(lpar.observedAt, now), stale: false, described: false };
}
