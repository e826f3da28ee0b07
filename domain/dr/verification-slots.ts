// When each DR pair's scheduled verification runs. KSYS verifies every site daily; a DR service provider whose
// recovery site several tenants share staggers them, so their reads of the shared site's HMCs and storage do not
// all land at once: every pair's schedule fires at `dr.verify.schedule`, and the verification of the n-th pair (by
// contract priority, highest first; ties by active site name) waits n × `dr.coordination.verifyStagger` before it
// reads anything. Without tenants there is one pair and no wait.
import type { LazarusConfig } from '../config/schema.js';

/** One scheduled verification: the active site it verifies and how long it waits after the schedule fires (ms). */
export interface DrVerificationSlot {
  site: string;
  delayMs: number;
}

export function drVerificationSlots(config: Pick<LazarusConfig, 'dr'>): DrVerificationSlot[] {
  const dr = config.dr;
  if (!dr) return [];
  const activeOf = (pair: { sites: Array<{ name: string; role: string }> }) =>
    pair.sites.find((s) => s.role === 'active')!.name;
  return [dr, ...dr.tenants]
    .map((pair) => ({ site: activeOf(pair), priority: pair.contractPriority }))
    .sort((a, b) => b.priority - a.priority || (a.site < b.site ? -1 : a.site > b.site ? 1 : 0))
    .map(({ site }, index) => ({ site, delayMs: index * dr.coordination.verifyStagger }));
}
