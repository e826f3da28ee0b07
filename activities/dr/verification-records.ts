// A DR verification kept in the inventory store's verification history (table verification_results, one row per
// verification under the key `dr-site/<site>`): one finding per VM (`vm/<name>`: severity info when READY_TO_MOVE,
// error when NOT_READY; the message the VM's state, pair, reasons and warnings as JSON), one per consistency group
// (`consistency-group/<name>`) and one for the pair (`site/<site>`). Decoding validates every finding, so a row
// that is not a DR verification is an error naming it, not a silent misreading.
import { z } from 'zod';
import {
  DR_REASON_CODES,
  DR_VM_STATES,
  type DrGroupVerification,
  type DrVerification,
  type DrVmVerification,
} from '../../domain/dr/contracts.js';
import type { VerificationResult, VerificationResultInput } from '../inventory/index.js';

/** The verification-history key of an active site's DR verifications. */
export const drVerificationKey = (site: string) => `dr-site/${site}`;

const reason = z.strictObject({ code: z.enum(DR_REASON_CODES), message: z.string() });
const vmFinding = z.strictObject({
  state: z.enum(DR_VM_STATES),
  productionHost: z.string(),
  productionState: z.string().optional(),
  backupHost: z.string().optional(),
  reasons: z.array(reason),
  warnings: z.array(reason),
});
const groupFinding = z.strictObject({
  state: z.string(),
  primary: z.string(),
  rpoMs: z.number().optional(),
  recoveryPoint: z.string().optional(),
  lagSeconds: z.number().optional(),
});
const siteFinding = z.strictObject({ backupSite: z.string() });

export function encodeDrVerification(verification: DrVerification): VerificationResultInput {
  return {
    group: drVerificationKey(verification.site),
    verifiedAt: verification.verifiedAt,
    ok: verification.ready,
    findings: [
      {
        severity: 'info',
        subject: `site/${verification.site}`,
        message: JSON.stringify({ backupSite: verification.backupSite }),
      },
      ...verification.groups.map(({ name, ...group }) => ({
        severity: 'info' as const,
        subject: `consistency-group/${name}`,
        message: JSON.stringify(group),
      })),
      ...verification.vms.map(({ vm, ...rest }) => ({
        severity: rest.state === 'READY_TO_MOVE' ? ('info' as const) : ('error' as const),
        subject: `vm/${vm}`,
        message: JSON.stringify(rest),
      })),
    ],
  };
}

export class DrRecordError extends Error {}

/** A stored DR verification, with its history id. Throws DrRecordError naming the finding that does not decode. */
export function decodeDrVerification(row: VerificationResult): DrVerification & { id: number } {
  const site = row.group.replace(/^dr-site\//, '');
  let backupSite = '';
  const groups: DrGroupVerification[] = [];
  const vms: DrVmVerification[] = [];
  for (const [index, finding] of row.findings.entries()) {
    const slash = finding.subject.indexOf('/');
    const kind = finding.subject.slice(0, slash);
    const name = finding.subject.slice(slash + 1);
    const parse = <T>(schema: z.ZodType<T>): T => {
      let json: unknown;
      try {
        json = JSON.parse(finding.message);
      } catch {
        throw new DrRecordError(`verification ${row.id} finding ${index} (${finding.subject}): message is not JSON`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success)
        throw new DrRecordError(
          `verification ${row.id} finding ${index} (${finding.subject}): ${parsed.error.issues[0]!.message} at ` +
            parsed.error.issues[0]!.path.join('.'),
        );
      return parsed.data;
    };
    if (kind === 'site') backupSite = parse(siteFinding).backupSite;
    else if (kind === 'consistency-group') groups.push({ name, ...parse(groupFinding) });
    else if (kind === 'vm') vms.push({ vm: name, ...parse(vmFinding) });
    else throw new DrRecordError(`verification ${row.id} finding ${index}: unknown subject ${finding.subject}`);
  }
  return { id: row.id, site, backupSite, verifiedAt: row.verifiedAt, ready: row.ok, vms, groups };
}

/** Per group, the newest time a stored verification saw it consistent_synchronized (newest-first rows). */
export function lastInSync(history: Array<DrVerification>): Record<string, string> {
  const seen: Record<string, string> = {};
  for (const verification of history)
    for (const group of verification.groups)
      if (group.state === 'consistent_synchronized' && !seen[group.name]) seen[group.name] = verification.verifiedAt;
  return seen;
}
