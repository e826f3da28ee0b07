import { type SimulatorCore } from './simulator-core.js';

/** GET /state: the fleet as the simulator sees it (not as any device reports it), with per-device counters. */
export function fleetState(core: SimulatorCore) {
  const { model, physics } = core;
  return {
    timeScale: core.latency.timeScale,
    devices: [...model.devices.values()].map((d) => ({
      kind: d.kind,
      name: d.name,
      site: d.site,
      unreachable: core.faults.isUnreachable(d.name),
      ...(d.kind === 'hmc' ? { lostSystems: [...d.lostSystems] } : {}),
      counters: core.servers.get(d.name)?.counters.snapshot(),
    })),
    systems: [...model.systems.values()].map((s) => ({
      name: s.name,
      site: s.site,
      hmc: s.hmc,
      hmcs: s.hmcs,
      state: s.state,
      powered: s.powered,
      storage: s.storage,
      procUnits: s.procUnits,
      availableProcUnits: physics.availableProcUnits(s),
      memoryMb: s.memoryMb,
      availableMemoryMb: physics.availableMemoryMb(s),
      partitions: s.partitions.map((p) => ({
        name: p.name,
        id: p.id,
        env: p.env,
        state: p.state,
        priority: p.priority,
        volumes: p.volumes,
        profile: p.currentProfile,
        remoteRestartStatus: p.remoteRestartStatus,
        migrationState: p.migrationState,
        ...(p.vios
          ? {
              vios: {
                hdisks: Object.fromEntries(p.vios.hdisks),
                scsiAdapters: p.vios.scsiAdapters.map((a) => ({
                  name: a.name,
                  clientId: a.clientId,
                  clientName: a.clientName,
                  targets: a.targets,
                })),
                fcAdapters: p.vios.fcAdapters.map((a) => ({
                  name: a.name,
                  clientId: a.clientId,
                  clientName: a.clientName,
                  fcPort: a.fcPort ?? null,
                })),
              },
            }
          : {}),
      })),
    })),
    storage: [...model.storage.values()].map((st) => ({
      name: st.name,
      site: st.site,
      clusterId: st.clusterId,
      vdisks: st.vdisks.map((v) => ({ id: v.id, name: v.name, uid: v.uid, capacityBytes: v.capacityBytes })),
      hosts: st.hosts.map((h) => ({ id: h.id, name: h.name, wwpns: h.wwpns })),
      mappings: st.mappings.map((m) => ({
        id: m.id,
        host: st.hosts.find((h) => h.id === m.hostId)?.name,
        vdisk: st.vdisks.find((v) => v.id === m.vdiskId)?.name,
        scsiId: m.scsiId,
      })),
      flashCopyMaps: st.fcMaps.map((m) => ({ id: m.id, name: m.name, status: m.status, progress: m.progress })),
    })),
    consistencyGroups: model.consistencyGroups.map((g) => ({
      name: g.name,
      master: g.master,
      aux: g.aux,
      state: g.state,
      primary: g.primary,
      linkDown: g.linkDown,
      relationships: g.relationships.map((r) => ({ name: r.name, master: r.masterVdisk, aux: r.auxVdisk })),
    })),
    faults: core.faults.list(),
    violations: core.violations.list().length,
  };
}
