// The inventory routes: hosts and LPARs as Lazarus knows them now (the newest discovery merged with what failovers
// and live reads observed since), each with when it was observed (`observedAt`, `ageSeconds`) and from where
// (`source`); hosts and LPARs a discovery could not describe lately are `stale`.
import type express from 'express';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import type { Fleet, FleetHost, FleetLpar, ObservedLpar } from '../domain/inventory/index.js';
import { ageSeconds, asyncRoute } from './routing.js';

export function inventoryRoutes(app: express.Express, options: { config: LazarusConfig; store: InventoryStore }): void {
  const fleets = () => Promise.all(options.config.hostGroups.map((g) => options.store.currentFleet(g.name)));
  app.get(
    '/v1/hosts',
    asyncRoute(async (_req, res) => {
      const now = Date.now();
      const maintenance = new Map(
        (await options.store.hostMonitoring().maintenance()).map((m) => [m.host, m] as const),
      );
      res.json({
        hosts: (await fleets()).flatMap((fleet) =>
          fleet.hosts.map((host) => {
            const inMaintenance = maintenance.get(host.name);
            return {
              ...hostView(fleet, host, now),
              maintenance: inMaintenance
                ? { reason: inMaintenance.reason, by: inMaintenance.by, since: inMaintenance.since }
                : null,
            };
          }),
        ),
      });
    }),
  );
  app.get(
    '/v1/lpars',
    asyncRoute(async (_req, res) => {
      const now = Date.now();
      res.json({
        lpars: (await fleets()).flatMap((fleet) => [
          ...fleet.lpars.map((lpar) => lparView(fleet, lpar, now)),
          ...fleet.undescribedLpars.map((lpar) => undescribedLparView(fleet, lpar, now)),
        ]),
      });
    }),
  );
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
