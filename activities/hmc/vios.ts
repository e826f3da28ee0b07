// VIOS configuration through the HMC (`viosvrcmd -c "…"`): read the vSCSI and NPIV mappings, find the hdisk that
// presents a volume, and change mappings idempotently (map what is mapped → no-op; remove what is gone → no-op).
import type { HmcClient, Outcome } from './hmc-client.js';
import { outputError, splitQuoted } from './hmc-output.js';
import { safeName } from './names.js';

export interface ScsiMapping {
  vhost: string;
  physloc: string;
  clientId: number;
  targets: Array<{ vtd: string; status: string; lun: string; backing: string }>;
}

export interface NpivMapping {
  vfchost: string;
  physloc: string;
  clientId: number;
  clientName: string;
  status: string;
  fcPort: string;
}

export class ViosClient {
  constructor(
    private readonly hmc: HmcClient,
    readonly system: string,
    readonly vios: string,
  ) {}

  private get device(): string {
    return this.hmc.device;
  }

  /** Runs an ioscli command on this VIOS (no double quotes allowed inside: the HMC gets it as one quoted argument). */
  run(ioscli: string): Promise<string> {
    const system = safeName(this.device, 'managed system', this.system);
    const vios = safeName(this.device, 'VIOS', this.vios);
    return this.hmc.run(`viosvrcmd -m ${system} -p ${vios} -c "${ioscli}"`);
  }

  async scsiMappings(): Promise<ScsiMapping[]> {
    const command = 'lsmap -all -fmt ,';
    const output = await this.run(command);
    return output
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        const fields = splitQuoted(line, ',');
        if (fields.length < 3 || (fields.length - 3) % 6 !== 0) throw outputError(this.device, command, index + 1, `${fields.length} fields; expected 3 + 6 per target device`);
        const targets = [];
        for (let i = 3; i < fields.length; i += 6) {
          targets.push({ vtd: fields[i]!, status: fields[i + 1]!, lun: fields[i + 2]!, backing: fields[i + 3]! });
        }
        return { vhost: fields[0]!, physloc: fields[1]!, clientId: parseInt(fields[2]!, 16), targets };
      });
  }

  async npivMappings(): Promise<NpivMapping[]> {
    const command = 'lsmap -all -npiv -fmt ,';
    const output = await this.run(command);
    return output
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        const f = splitQuoted(line, ',');
        if (f.length < 7) throw outputError(this.device, command, index + 1, `${f.length} fields; expected at least 7`);
        return { vfchost: f[0]!, physloc: f[1]!, clientId: Number(f[2]), clientName: f[3]!, status: f[5]!, fcPort: f[6]!.trim() };
      });
  }

  /** hdisk names known to this VIOS. */
  async disks(): Promise<string[]> {
    const output = await this.run('lsdev -type disk');
    return output
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[0] ?? '')
      .filter((name) => name.startsWith('hdisk'));
  }

  /** The disk's unique_id attribute (it embeds the SAN volume's UID for IBM 2145 disks). */
  async diskUniqueId(hdisk: string): Promise<string> {
    const output = await this.run(`lsdev -dev ${safeName(this.device, 'disk', hdisk)} -attr unique_id`);
    const value = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && l !== 'value')[0];
    if (!value) throw outputError(this.device, `lsdev -dev ${hdisk} -attr unique_id`, 1, 'no value');
    return value;
  }

  /** The hdisk presenting the volume with this UID (32 hex digits), if the VIOS sees it. */
  async findDisk(volumeUid: string): Promise<string | undefined> {
    const uid = volumeUid.toUpperCase();
    for (const disk of await this.disks()) {
      if ((await this.diskUniqueId(disk)).toUpperCase().includes(uid)) return disk;
    }
    return undefined;
  }

  /** Discovers newly mapped SAN disks. */
  async configureDevices(): Promise<void> {
    await this.run('cfgdev');
  }

  /** Presents `hdisk` to the client behind `vhost`. Already presented through that adapter is a no-op. */
  async mapScsiDisk(hdisk: string, vhost: string): Promise<Outcome> {
    const existing = (await this.scsiMappings()).find((m) => m.vhost === vhost)?.targets.find((t) => t.backing === hdisk);
    if (existing) return { changed: false, detail: `${hdisk} already mapped to ${vhost} as ${existing.vtd} on ${this.vios}` };
    const output = await this.run(`mkvdev -vdev ${safeName(this.device, 'disk', hdisk)} -vadapter ${safeName(this.device, 'adapter', vhost)}`);
    return { changed: true, detail: `${output.trim() || 'mapped'}: ${hdisk} → ${vhost} on ${this.vios}` };
  }

  /** Removes a virtual target device. Already gone is a no-op. */
  async removeScsiTarget(vtd: string): Promise<Outcome> {
    const present = (await this.scsiMappings()).some((m) => m.targets.some((t) => t.vtd === vtd));
    if (!present) return { changed: false, detail: `${vtd} is not configured on ${this.vios}` };
    await this.run(`rmvdev -vtd ${safeName(this.device, 'virtual target device', vtd)}`);
    return { changed: true, detail: `${vtd} removed from ${this.vios}` };
  }

  /** Maps an NPIV server adapter to a physical FC port (or unmaps it with `fcPort` undefined). Idempotent. */
  async mapNpiv(vfchost: string, fcPort: string | undefined): Promise<Outcome> {
    const current = (await this.npivMappings()).find((m) => m.vfchost === vfchost);
    const currentPort = current?.fcPort && current.fcPort !== ' ' ? current.fcPort : undefined;
    if (currentPort === fcPort) return { changed: false, detail: `${vfchost} is already ${fcPort ? `mapped to ${fcPort}` : 'unmapped'} on ${this.vios}` };
    const adapter = safeName(this.device, 'adapter', vfchost);
    await this.run(fcPort ? `vfcmap -vadapter ${adapter} -fcp ${safeName(this.device, 'FC port', fcPort)}` : `vfcmap -vadapter ${adapter} -fcp`);
    return { changed: true, detail: `${vfchost} ${fcPort ? `mapped to ${fcPort}` : 'unmapped'} on ${this.vios}` };
  }
}
