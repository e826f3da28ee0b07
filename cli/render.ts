// How the CLI shows things to people: plain tables (cli-table3, no colours, so output pipes cleanly), durations and
// ages in words, and a failover's report. Scripts use --json instead and never parse these.
import Table from 'cli-table3';
import { storageCutText, type FailoverReport, type LparProgress } from '../domain/failover/index.js';

/** A table with a header row; cells are stringified, `undefined` shown as `-`. */
export function table(head: string[], rows: unknown[][]): string {
  const t = new Table({ head, style: { head: [], border: [], compact: true } });
  for (const row of rows) t.push(row.map(cell));
  return t.toString();
}

/** Two columns, field and value, for one object. */
export function fields(entries: Array<[string, unknown]>): string {
  const t = new Table({ style: { head: [], border: [], compact: true } });
  for (const [key, value] of entries) t.push({ [key]: cell(value) });
  return t.toString();
}

function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.map(cell).join(', ') || '-';
  if (typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k} ${cell(v)}`)
      .join(', ');
  return String(value);
}

/** Milliseconds in words: `850 ms`, `12.3 s`, `4m 05s`, `1h 02m`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** An age in seconds, in words: `12s ago`, `4m ago`, `3h ago`, `2d ago`. */
export function age(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${Math.round(seconds)}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** The steps an LPAR went through, with when each was reached since the failover started: `mapping 3.1 s → …`. */
export function stepTrail(lpar: Pick<LparProgress, 'timings'>): string {
  return (
    Object.entries(lpar.timings ?? {})
      .sort(([, a], [, b]) => (a ?? 0) - (b ?? 0))
      .map(([step, at]) => `${step} ${duration(at)}`)
      .join(' → ') || '-'
  );
}

/** A failover's report for people: outcome, RTO against the budget, fence proof, decisions, every LPAR, unplaced. */
export function reportText(id: string, runId: string, report: FailoverReport): string {
  if (report.outcome === 'dry-run') return dryRunText(id, report);
  const fence = report.fence
    ? `${report.fence.host} ${report.fence.powerState}${report.fence.poweredOff ? '' : ' (not powered off)'}, ` +
      storageCutText(report.fence) +
      (report.fence.override
        ? `; override by ${report.fence.override.by}${report.fence.override.reason ? `: ${report.fence.override.reason}` : ''}`
        : '')
    : 'none (nothing was fenced)';
  const lines = [
    fields([
      ['failover', id],
      ['run', runId],
      ['outcome', report.outcome],
      [
        'RTO',
        `${duration(report.rtoMs)} of a ${duration(report.rtoBudgetMs)} budget (${report.withinBudget ? 'within' : 'EXCEEDED'})`,
      ],
      ['fence', fence],
      ...(report.approval
        ? ([
            [
              'approval',
              `${report.approval.decision}${report.approval.by ? ` by ${report.approval.by}` : ''}${report.approval.reason ? `: ${report.approval.reason}` : ''}`,
            ],
          ] as Array<[string, unknown]>)
        : []),
      ...(report.cancelledBy
        ? ([['cancelled', `by ${report.cancelledBy.by} during ${report.cancelledDuring ?? '?'}`]] as Array<
            [string, unknown]
          >)
        : []),
      ...(report.stoppedBy ? ([['stopped by', report.stoppedBy]] as Array<[string, unknown]>) : []),
      [
        'LPARs',
        `${report.totals.running} running, ${report.totals.failed} failed, ${report.totals.unplaced} unplaced, ` +
          `${report.totals.blocked} blocked, ${report.totals.cancelled} cancelled, ${report.totals.notRestarted} not restarted`,
      ],
    ]),
  ];
  if (report.lpars.length > 0)
    lines.push(
      table(
        ['LPAR', 'PRIORITY', 'DESTINATION', 'STEP', 'ATTEMPTS', 'STEPS (since start)', 'WHY'],
        report.lpars.map((l) => [l.lpar, l.priority, l.destination, l.step, l.attempts, stepTrail(l), l.error]),
      ),
    );
  if (report.unplaced.length > 0)
    lines.push(
      table(
        ['UNPLACED LPAR', 'REASON', 'DETAIL'],
        report.unplaced.map((u) => [u.lpar, u.reason, u.detail]),
      ),
    );
  return lines.join('\n');
}

/** A dry run: the plan per destination stream, in start order, with its estimate; what could not be placed. */
function dryRunText(title: string, report: FailoverReport): string {
  const plan = report.plan;
  const lines = [
    fields([
      ['failover', title],
      ['outcome', 'dry-run: nothing was fenced, mapped or started'],
      ['estimated RTO', `${duration(plan?.estimatedRtoMs)} of a ${duration(report.rtoBudgetMs)} budget`],
    ]),
  ];
  if (plan && plan.streams.length > 0)
    lines.push(
      table(
        ['DESTINATION', 'LPARS (in start order)', 'ESTIMATE'],
        plan.streams.map((s) => [
          s.destination,
          s.lpars.map((l) => `${l.name} (${l.priority})`),
          duration(s.estimatedMs),
        ]),
      ),
    );
  const unplaced = plan?.unplaced ?? report.unplaced;
  if (unplaced.length > 0)
    lines.push(
      table(
        ['UNPLACED LPAR', 'REASON', 'DETAIL'],
        unplaced.map((u) => [u.lpar, u.reason, u.detail]),
      ),
    );
  return lines.join('\n');
}

/** Any JSON answer for people: each list of objects a table, everything else field by field. */
export function anyText(answer: Record<string, unknown>): string {
  const parts: string[] = [];
  const scalars: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(answer)) {
    if (Array.isArray(value) && value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const rows = value as Array<Record<string, unknown>>;
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 9);
      parts.push(
        rows.length === 0
          ? `${key}: none`
          : `${key}:\n${table(
              columns.map((c) => c.toUpperCase()),
              rows.map((r) => columns.map((c) => r[c])),
            )}`,
      );
    } else scalars.push([key, value]);
  }
  return [...(scalars.length > 0 ? [fields(scalars)] : []), ...parts].join('\n');
}
