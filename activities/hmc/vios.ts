// VIOS configuration through the HMC (`viosvrcmd -c '…'`): read the vSCSI and NPIV mappings, find the hdisk that
// presents a volume, and change mappings idempotently (map what is mapped → no-op; remove what is gone → no-op).
// `lsmap -fmt` output has several forms across VIOS levels (corpus test/fixtures/devices/vios): per virtual target
// device 4 fields (vtd, lun, backing, backing physloc) on VIOS 1.x, 5 with the status (2.1), 6 with mirrored (2.2+);
// NPIV rows have 12 fields; an empty field is printed as one space (IBM lsmap page).
import type { HmcClient, Outcome } from './hmc-client.js';
import { outputError } from './hmc-output.js';
import { safeName, shellWord } from './names.js';

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

  /**
   * Runs an ioscli command on this VIOS: the managed system and VIOS names and the command string are each quoted
   * as one word for the HMC's shell; the command string is split again by the VIOS.
   */
  run(ioscli: string): Promise<string> {
    const system = shellWord(this.device, 'managed system', this.system);
    const vios = shellWord(this.device, 'VIOS', this.vios);
    return this.hmc.run(`viosvrcmd -m ${system} -p ${vios} -c ${shellWord(this.device, 'VIOS command', ioscli)}`);
  }

  async scsiMappings(): Promise<ScsiMapping[]> {
    const command = 'lsmap -all -fmt :';
    return parseScsiMappings(this.device, command, await this.run(command));
  }

  async npivMappings(): Promise<NpivMapping[]> {
    const command = 'lsmap -all -npiv -fmt :';
    return parseNpivMappings(this.device, command, await this.run(command));
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
    const value = output
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && l !== 'value')[0];
    if (!value) throw outputError(this.device, `lsdev -dev ${hdisk} -attr unique_id`, 1, 'no value');
    return value;
  }

  /**
   * Every physical volume's unique device identifier in one command, hdisk → UDID (the same text as its unique_id
   * attribute): `chkdev -verbose` (VIOS 2.1 FP22 and later; IBM VIOS command reference, "chkdev command": without -dev
   * it reports all physical volumes, -verbose adds PVID, UDID, IEEE and VTD). A site discovery reads hundreds of disks
   * a VIOS; one command instead of one `lsdev -attr unique_id` each keeps it within the HMC's limits and its time.
   * The report's layout (blocks of `FIELD: value` lines, one block per device starting with NAME) is as IBM's example
   * shows it; a device without a UDID is left out (its unique_id is then read with diskUniqueId).
   */
  async diskIdentities(): Promise<Map<string, string>> {
    const command = 'chkdev -verbose';
    return parseChkdevIdentities(this.device, command, await this.run(command));
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
    const existing = (await this.scsiMappings())
      .find((m) => m.vhost === vhost)
      ?.targets.find((t) => t.backing === hdisk);
    if (existing)
      return { changed: false, detail: `${hdisk} already mapped to ${vhost} as ${existing.vtd} on ${this.vios}` };
    const output = await this.run(
      `mkvdev -vdev ${safeName(this.device, 'disk', hdisk)} -vadapter ${safeName(this.device, 'adapter', vhost)}`,
    );
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
    const currentPort = current?.fcPort ? current.fcPort : undefined;
    if (currentPort === fcPort)
      return {
        changed: false,
        detail: `${vfchost} is already ${fcPort ? `mapped to ${fcPort}` : 'unmapped'} on ${this.vios}`,
      };
    const adapter = safeName(this.device, 'adapter', vfchost);
    await this.run(
      fcPort
        ? `vfcmap -vadapter ${adapter} -fcp ${safeName(this.device, 'FC port', fcPort)}`
        : `vfcmap -vadapter ${adapter} -fcp`,
    );
    return { changed: true, detail: `${vfchost} ${fcPort ? `mapped to ${fcPort}` : 'unmapped'} on ${this.vios}` };
  }
}

const LUN = /^0x[0-9a-f]{16}$/i;
const CLIENT_ID_HEX = /^0x[0-9a-f]{8}$/i;

/** Splits one `-fmt :` row; fields are trimmed, so the single space the VIOS prints for an empty field reads as ''. */
function fmtFields(line: string): string[] {
  return line.split(':').map((field) => field.trim());
}

/**
 * `lsmap -all -fmt :` rows: svsa, physloc, client id (0x hex) and then one group per virtual target device of 4, 5 or
 * 6 fields (see the header comment), the form told apart by where the LUN (0x + 16 hex digits) sits. A row that fits
 * no form is an error naming the line.
 */
export function parseScsiMappings(device: string, command: string, stdout: string): ScsiMapping[] {
  return stdout
    .split(/\r?\n/)
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, number }) => {
      const fields = fmtFields(line);
      if (fields.length < 3 || !CLIENT_ID_HEX.test(fields[2]!)) {
        throw outputError(device, command, number, `expected adapter, physloc and a 0x client ID, got "${line}"`);
      }
      const rest = fields.slice(3);
      const size = targetGroupSize(rest);
      if (size === undefined) {
        const problem = `${rest.length} target fields fit no lsmap -fmt form (4, 5 or 6 per device)`;
        throw outputError(device, command, number, problem);
      }
      const targets = [];
      for (let i = 0; i < rest.length; i += size) {
        const group = rest.slice(i, i + size);
        const lunAt = size === 4 ? 1 : 2;
        if (!LUN.test(group[lunAt]!)) {
          throw outputError(device, command, number, `field lun="${group[lunAt]}" of ${group[0]} is not a LUN`);
        }
        const status = size === 4 ? '' : group[1]!;
        targets.push({ vtd: group[0]!, status, lun: group[lunAt]!, backing: group[lunAt + 1]! });
      }
      return { vhost: fields[0]!, physloc: fields[1]!, clientId: parseInt(fields[2]!, 16), targets };
    });
}

function targetGroupSize(rest: string[]): 4 | 5 | 6 | undefined {
  if (rest.length === 0) return 6;
  for (const size of [6, 5, 4] as const) {
    if (rest.length % size !== 0) continue;
    const lunAt = size === 4 ? 1 : 2;
    let fits = true;
    for (let i = 0; i < rest.length; i += size) fits &&= LUN.test(rest[i + lunAt]!);
    if (size === 6) for (let i = 0; i < rest.length; i += size) fits &&= ['true', 'false', ''].includes(rest[i + 5]!);
    if (fits) return size;
  }
  return undefined;
}

/**
 * `lsmap -all -npiv -fmt :` rows of 12 fields: name, physloc, client id (decimal), client name, client OS, status,
 * FC port, FC location, ports logged in, flags, VFC client name and DRC (corpus lsmap-npiv-fmt-colon-vios2.txt; no
 * other form has been seen, so any other count is an error). An unmapped adapter shows one space for its empty
 * client and port fields (read as '').
 */
export function parseNpivMappings(device: string, command: string, stdout: string): NpivMapping[] {
  return stdout
    .split(/\r?\n/)
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, number }) => {
      const f = fmtFields(line);
      if (f.length !== 12) throw outputError(device, command, number, `${f.length} fields; expected 12`);
      if (!/^\d+$/.test(f[2]!)) throw outputError(device, command, number, `field clientId="${f[2]}" is not a number`);
      return {
        vfchost: f[0]!,
        physloc: f[1]!,
        clientId: Number(f[2]),
        clientName: f[3]!,
        status: f[5]!,
        fcPort: f[6]!,
      };
    });
}

/** `chkdev -verbose` output → hdisk → UDID; throws an output error for a field line before any NAME line. */
export function parseChkdevIdentities(device: string, command: string, stdout: string): Map<string, string> {
  const identities = new Map<string, string>();
  let name: string | undefined;
  for (const [index, line] of stdout.split(/\r?\n/).entries()) {
    const match = /^\s*([A-Z0-9_]+):\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const [, field, value] = match as unknown as [string, string, string];
    if (field === 'NAME') name = value;
    else if (name === undefined) throw outputError(device, command, index + 1, `${field} before any NAME`);
    else if (field === 'UDID' && value) identities.set(name, value);
  }
  return identities;
}
