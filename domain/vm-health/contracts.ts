// VM and application health: the agent's heartbeat (the API validates it with this schema), what the store keeps of
// it, the workflow ids, and what the monitor and the restart workflow exchange. Plain JSON: the workflow types travel
// through workflow history, so they carry names and times, never a token.
import { z } from 'zod';

export const vmHealthMonitorWorkflowId = (group: string) => `vm-health/${group}`;
export const vmRestartWorkflowId = (group: string, vm: string) => `vm-restart/${group}/${vm}`;

export const APP_STATUSES = ['ok', 'failed', 'degraded', 'unknown'] as const;
export type AppStatus = (typeof APP_STATUSES)[number];

/** Limits on what one heartbeat may carry: an agent reports a handful of applications, not a log. */
export const HEARTBEAT_LIMITS = { apps: 64, nameLength: 128, detailLength: 1024 } as const;

const vmName = z
  .string()
  .min(1)
  .max(HEARTBEAT_LIMITS.nameLength)
  .regex(/^[^\s,"'/\\]+$/, 'must be an LPAR name without spaces, commas, quotes or slashes');

/**
 * `POST /v1/agents/heartbeat` body: `{ vm, sentAt?, apps?: [{ name, status: ok|failed|degraded|unknown, detail? }] }`.
 * `sentAt` is the agent's clock (ISO 8601), kept for display only: ages are measured on the controller's clock.
 * Application names are unique within a heartbeat.
 */
export const heartbeatBodySchema = z
  .object({
    vm: vmName,
    sentAt: z.iso.datetime({ offset: true }).optional(),
    apps: z
      .array(
        z
          .object({
            name: z.string().min(1).max(HEARTBEAT_LIMITS.nameLength),
            status: z.enum(APP_STATUSES),
            detail: z.string().max(HEARTBEAT_LIMITS.detailLength).optional(),
          })
          .strict(),
      )
      .max(HEARTBEAT_LIMITS.apps)
      .default([])
      .refine((apps) => new Set(apps.map((a) => a.name)).size === apps.length, 'application names must be unique'),
  })
  .strict();
export type HeartbeatBody = z.output<typeof heartbeatBodySchema>;

/** One application's state as the store keeps it: its last status and how many heartbeats in a row said `failed`. */
export interface AppHealth {
  name: string;
  status: AppStatus;
  detail?: string;
  /** Consecutive heartbeats reporting `failed` (0 after any other status, or after a restart cleared it). */
  consecutiveFailures: number;
  /** When the current run of failures began (ISO), absent when not failing. */
  failingSince?: string;
  reportedAt: string;
}

/** The latest heartbeat of a VM: who sent it (the token's name), when it arrived, and its applications. */
export interface VmHeartbeat {
  vm: string;
  group: string;
  agent: string;
  /** When the controller received it (ISO); ages are measured from this. */
  receivedAt: string;
  /** The agent's own clock, as sent. */
  sentAt?: string;
  /** The first heartbeat ever received for this VM (ISO). */
  firstReceivedAt: string;
  apps: AppHealth[];
}

/** Why a VM is restarted: its agent went silent, or an application kept failing. */
export type RestartReason =
  | { kind: 'heartbeat-lost'; lastHeartbeatAt: string; silentMs: number }
  | { kind: 'app-failed'; app: string; failures: number; failingSince: string; detail?: string };

/** A VM the monitor found unhealthy at one check; `episode` identifies this silence or failure run. */
export interface HealthCandidate {
  vm: string;
  reason: RestartReason;
  /** Same episode, same key: the last heartbeat's time, or the failing application's name and start of its failures. */
  episode: string;
}

/** Final outcomes of a VM restart run. */
export const VM_RESTART_OUTCOMES = [
  'restarted-in-place',
  'restarted-elsewhere',
  'failed',
  'blocked',
  'limit-reached',
  'alert-only',
  'host-not-operating',
  'left-off',
  'recovered',
] as const;
export type VmRestartOutcome = (typeof VM_RESTART_OUTCOMES)[number];

/** One step of a restart as it happened, for the report and the API. */
export interface VmRestartStep {
  step: string;
  host: string;
  at: string;
  ok: boolean;
  detail: string;
}

/** The report of one `vm-restart/<group>/<vm>` run (stored, and shown by `GET /v1/vms/:vm/health`). */
export interface VmRestartReport {
  workflowId: string;
  group: string;
  vm: string;
  reason: RestartReason;
  outcome: VmRestartOutcome;
  /** Where it ran when the restart began, and where it runs at the end (when it runs). */
  sourceHost?: string;
  finalHost?: string;
  steps: VmRestartStep[];
  /** One sentence for an operator. */
  summary: string;
}

/**
 * The candidates among a group's heartbeats at `now` (epoch ms): VMs silent for longer than their heartbeat timeout,
 * and VMs with an application failed at least `appFailureThreshold` heartbeats in a row. Silence wins over an
 * application failure (an agent that does not answer says nothing reliable about its applications). A silent VM
 * counts only once another VM of the group reported after it became overdue (with a single VM watched, its silence
 * alone). `heardFrom` (ISO): silence is counted from no earlier than this (see outage-guard.ts).
 */
export function healthCandidates(
  heartbeats: VmHeartbeat[],
  policyOf: (vm: string) => { heartbeatTimeoutMs: number; appFailureThreshold: number },
  now: number,
  heardFrom?: string,
): HealthCandidate[] {
  const candidates: HealthCandidate[] = [];
  const floor = heardFrom === undefined ? -Infinity : Date.parse(heardFrom);
  const received = heartbeats.map((b) => Date.parse(b.receivedAt));
  for (const [index, beat] of heartbeats.entries()) {
    const policy = policyOf(beat.vm);
    const heardAt = Math.max(received[index]!, floor);
    const silentMs = now - heardAt;
    // With other VMs watched, one of them must have got through after this one became overdue: proof that the path
    // from the agents to Lazarus works, so the silence is this VM's own (every agent silent at once is an outage).
    const others = received.filter((_, i) => i !== index);
    const pathWorks = others.length === 0 || Math.max(...others) > heardAt + policy.heartbeatTimeoutMs;
    if (silentMs > policy.heartbeatTimeoutMs && !pathWorks) continue;
    if (silentMs > policy.heartbeatTimeoutMs) {
      candidates.push({
        vm: beat.vm,
        episode: `silent-since ${beat.receivedAt}`,
        reason: { kind: 'heartbeat-lost', lastHeartbeatAt: beat.receivedAt, silentMs },
      });
      continue;
    }
    const failing = beat.apps
      .filter((a) => a.consecutiveFailures >= policy.appFailureThreshold && a.failingSince)
      .sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    if (failing) {
      candidates.push({
        vm: beat.vm,
        episode: `app ${failing.name} failing-since ${failing.failingSince}`,
        reason: {
          kind: 'app-failed',
          app: failing.name,
          failures: failing.consecutiveFailures,
          failingSince: failing.failingSince!,
          ...(failing.detail ? { detail: failing.detail } : {}),
        },
      });
    }
  }
  return candidates;
}
