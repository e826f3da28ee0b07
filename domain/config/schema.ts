// The shape of lazarus.yaml (zod). Cross-references between sections are checked in references.ts.
import { z } from 'zod';
import { NOTIFICATION_EVENTS, NOTIFICATION_SEVERITIES } from '../notifications/events.js';
import { boundedDuration, cronExpression, hostAndPort } from './bounds.js';
import { reducedSizeSchema } from './reduced-size.js';

const name = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be letters, digits, _ . - (starting with a letter, digit or _)');
const credentialReference = z
  .string()
  .regex(
    /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|secret:[A-Za-z0-9_./-]+)$/,
    'must be a credential reference: env:NAME, file:/path or secret:KEY (never the secret itself)',
  );
// host[:port], the port 1–65535 (bounds.ts).
const address = hostAndPort;
const hostKey = z
  .string()
  .regex(
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+$/,
    'must be an OpenSSH public key: "<type> <base64>"',
  );

const deviceFields = {
  name,
  address,
  user: z.string().min(1),
  credential: credentialReference,
  /** The device's SSH host key, or rely on `knownHostsFile`. */
  hostKey: hostKey.optional(),
};

export const hmcSchema = z
  .object({
    ...deviceFields,
    limits: z
      .object({
        maxConcurrentOperations: z.number().int().positive().default(8),
        maxConnections: z.number().int().min(1).max(32).default(4),
      })
      .strict()
      .default({ maxConcurrentOperations: 8, maxConnections: 4 }),
  })
  .strict();

export const storageSchema = z
  .object({
    ...deviceFields,
    limits: z
      .object({
        maxSessions: z.number().int().min(1).max(32).default(4),
        maxNewConnectionsPerSecond: z.number().int().min(1).max(15).default(5),
        maxConcurrentOperations: z.number().int().positive().default(16),
      })
      .strict()
      .default({ maxSessions: 4, maxNewConnectionsPerSecond: 5, maxConcurrentOperations: 16 }),
  })
  .strict();

export const siteSchema = z
  .object({ name, hmcs: z.array(name).default([]), storage: z.array(name).default([]) })
  .strict();

const stepDuration = boundedDuration('hostGroups[].recovery.stepDurations.*');
const stepTimeout = boundedDuration('hostGroups[].recovery.stepTimeouts.*');

export const recoverySchema = z
  .object({
    mode: z.enum(['auto', 'advisory']).default('advisory'),
    approvalTimeout: boundedDuration('hostGroups[].recovery.approvalTimeout').default(15 * 60_000),
    onApprovalTimeout: z.enum(['proceed', 'abort']).default('abort'),
    rtoBudget: boundedDuration('hostGroups[].recovery.rtoBudget').default(30 * 60_000),
    parallelMappingsPerStream: z.number().int().min(1).max(32).default(4),
    /**
     * true: a stream asks for all of an LPAR's volume mappings at once and the storage system's device queue shares its
     * maxConcurrentOperations among every stream and failover (faster when mapping dominates). false: at most
     * parallelMappingsPerStream per stream, as in the CMS paper.
     */
    mapAllAtOnce: z.boolean().default(true),
    /** How often waits on a device (power off, boot) poll it: each interval can add to a sequential stream's RTO. */
    pollInterval: boundedDuration('hostGroups[].recovery.pollInterval').default(2_000),
    /**
     * How long each restart step takes on these devices, measured by the operator (the planner balances the streams
     * with it). Absent: the planner's defaults, which assume boot-dominated restarts.
     */
    stepDurations: z
      .object({ viosConfig: stepDuration, volumeMapping: stepDuration, activate: stepDuration, boot: stepDuration })
      .strict()
      .optional(),
    /**
     * How long fencing may keep retrying transient device errors (busy, lock, timeout, connection) before it blocks
     * and alerts an operator. Default 3m.
     */
    fenceDeadline: boundedDuration('hostGroups[].recovery.fenceDeadline').optional(),
    /**
     * Per-LPAR step deadlines, retries included, each shorter than rtoBudget: a hung step holds the LPARs behind it
     * no longer than this. Defaults: mapping 5m, remoteRestart 5m, boot 15m (each capped at rtoBudget).
     */
    stepTimeouts: z
      .object({
        mapping: stepTimeout.optional(),
        remoteRestart: stepTimeout.optional(),
        boot: stepTimeout.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((recovery, ctx) => {
    for (const [step, ms] of Object.entries(recovery.stepTimeouts ?? {})) {
      if (ms !== undefined && ms >= recovery.rtoBudget) {
        ctx.addIssue({
          code: 'custom',
          path: ['stepTimeouts', step],
          message: `must be shorter than rtoBudget (${recovery.rtoBudget} ms)`,
        });
      }
    }
  });

/**
 * How the group's monitor watches its hosts (workflows/monitoring/). A host is declared failed only when the HMCs
 * and the storage system's view of its Fibre Channel ports agree over `confirmations` consecutive observations; a
 * host that changes between up and down more than `flapLimit` times within `flapWindow` is quarantined (its next
 * failover is advisory whatever `action` says). Detection takes about `confirmations × interval` plus one HMC round
 * trip.
 */
export const monitoringSchema = z
  .object({
    /**
     * What a confirmed host failure does: `auto` starts the failover, `advisory` starts it in advisory mode (it
     * notifies with the plan and waits for approval), `off` only alerts. Absent: the group's `recovery.mode`.
     */
    action: z.enum(['auto', 'advisory', 'off']).optional(),
    /** false: no monitor runs for this group (failovers only through the API). */
    enabled: z.boolean().default(true),
    interval: boundedDuration('hostGroups[].monitoring.interval').default(10_000),
    confirmations: z.number().int().min(1).max(20).default(2),
    flapLimit: z.number().int().min(1).max(100).default(3),
    flapWindow: boundedDuration('hostGroups[].monitoring.flapWindow').default(3_600_000),
  })
  .strict();

/**
 * Planned evacuation by Live Partition Mobility (workflows/evacuation/): migrations at once per managed system (as
 * source or destination) and per HMC, and one migration's deadline. Defaults from IBM's "Firmware support matrix for
 * partition mobility", table "Concurrent migrations": 16 per system (firmware 760+, HMC V7R7.6+, VIOS 2.2.2.0+, at
 * most 8 per VIOS mover service partition). The HMC's device queue (hmcs[].limits.maxConcurrentOperations) bounds
 * every HMC change across all workflows on top of these.
 */
export const evacuationSchema = z
  .object({
    maxMigrationsPerSystem: z.number().int().min(1).max(16).default(16),
    maxMigrationsPerHmc: z.number().int().min(1).max(64).default(16),
    migrationTimeout: boundedDuration('hostGroups[].evacuation.migrationTimeout').default(2 * 3_600_000),
    /**
     * Failback after a failover (stale definitions and mappings cleaned up, the host's storage cut restored):
     * `automatic` — the monitor starts it when it sees the failed-over host Operating again (it waits while any LPAR's
     * state elsewhere is in doubt); `on-request` — only POST /v1/hosts/:host/failback.
     */
    failback: z.enum(['automatic', 'on-request']).default('on-request'),
  })
  .strict();

const MONITORING_DEFAULTS = { enabled: true, interval: 10_000, confirmations: 2, flapLimit: 3, flapWindow: 3_600_000 };

export const hostGroupSchema = z
  .object({
    name,
    site: name,
    /** The group's HMC; or `hmcs`, the redundant pair managing the same hosts (the first is preferred). */
    hmc: name.optional(),
    hmcs: z.array(name).min(1).max(2, 'a host group has one HMC or a redundant pair').optional(),
    storage: name,
    hosts: z.array(name).min(2, 'a host group needs at least two hosts to back each other up'),
    recovery: recoverySchema.default({
      mode: 'advisory',
      approvalTimeout: 15 * 60_000,
      onApprovalTimeout: 'abort',
      rtoBudget: 30 * 60_000,
      parallelMappingsPerStream: 4,
      mapAllAtOnce: true,
      pollInterval: 2_000,
    }),
    monitoring: monitoringSchema.default(MONITORING_DEFAULTS),
    /** Absent: every default of evacuationSchema. */
    evacuation: evacuationSchema.optional(),
  })
  .strict()
  .superRefine((group, ctx) => {
    if ((group.hmc === undefined) === (group.hmcs === undefined))
      ctx.addIssue({ code: 'custom', path: ['hmcs'], message: 'give exactly one of hmc or hmcs' });
    else if (group.hmcs?.length === 2 && group.hmcs[0] === group.hmcs[1])
      ctx.addIssue({ code: 'custom', path: ['hmcs', 1], message: 'the two HMCs of a pair must differ' });
  })
  .transform(({ hmc, hmcs, ...group }) => {
    // Output: `hmc` is the preferred HMC, `hmcs` every HMC managing the group in order of preference.
    const pair = hmcs ?? [hmc!];
    return { ...group, hmc: pair[0]!, hmcs: pair };
  });

/**
 * VM and application health (agent heartbeats, workflows/vm-health/): what a VM's silence or its applications'
 * failures do. `heartbeatTimeout`: no heartbeat for this long on an Operating host → restart (or alert);
 * `restartLimit`: restarts per VM per hour, beyond which Lazarus only alerts; `appFailureThreshold`: an application
 * reported failed this many consecutive heartbeats restarts its VM; `bootTimeout`: after an activation, how long the
 * LPAR has to be Running and its agent to report again before the attempt counts as failed.
 */
export const vmHealthSchema = z
  .object({
    heartbeatTimeout: boundedDuration('policies[].health.heartbeatTimeout'),
    restartLimit: z.number().int().min(0).max(60),
    appFailureThreshold: z.number().int().min(1).max(1000),
    action: z.enum(['restart', 'alert']),
    bootTimeout: boundedDuration('policies[].health.bootTimeout'),
  })
  .partial()
  .strict();

/**
 * Agent tokens for `POST /v1/agents/heartbeat`: each reports only for the VMs it names (exact names or glob patterns)
 * or for every VM of one host group. `checkInterval`: how often the group's health monitor reads heartbeat ages.
 */
export const agentsSchema = z
  .object({
    checkInterval: boundedDuration('agents.checkInterval').default(15_000),
    /**
     * After the monitor starts, or resumes after its own outage or after no agent could report: how long before
     * silence counts (the agents' longest backoff, 5 min for the reference agent).
     */
    resumeGrace: boundedDuration('agents.resumeGrace').default(300_000),
    tokens: z
      .array(
        z
          .object({
            name,
            token: credentialReference,
            vms: z.array(z.string().min(1)).min(1).optional(),
            group: name.optional(),
          })
          .strict()
          .refine((t) => (t.vms === undefined) !== (t.group === undefined), {
            message: 'give exactly one of vms or group (the VMs this token may report for)',
            path: ['vms'],
          }),
      )
      .default([]),
  })
  .strict();

export const PRIORITY_CLASSES = ['critical', 'high', 'medium', 'low'] as const;

export const vmPolicySchema = z
  .object({
    /** Which VMs: an exact name, a glob pattern (* and ?), or a tag; exactly one. */
    match: z
      .object({ name: z.string().optional(), pattern: z.string().optional(), tag: z.string().optional() })
      .strict()
      .refine(
        (m) => [m.name, m.pattern, m.tag].filter((v) => v !== undefined).length === 1,
        'give exactly one of name, pattern or tag',
      ),
    /** Host groups this policy applies to; all when absent. */
    groups: z.array(name).optional(),
    priority: z.enum(PRIORITY_CLASSES).optional(),
    collocationGroup: name.optional(),
    antiCollocationGroup: name.optional(),
    startAfter: z.array(name).optional(),
    exclude: z.boolean().optional(),
    /** May restart with less than its desired size, down to its profile minimum. */
    allowReducedSize: z.boolean().optional(),
    /** How small it may restart when capacity is short (reduced-size.ts); never below its profile minimum. */
    reducedSize: reducedSizeSchema.optional(),
    /** VM and application health: see vmHealthSchema (unset fields keep their defaults). */
    health: vmHealthSchema.optional(),
  })
  .strict()
  .refine((p) => !(p.reducedSize && p.allowReducedSize === false), {
    message: 'reducedSize is set but allowReducedSize is false: remove one of them',
    path: ['reducedSize'],
  });

/** Common to every channel: what it receives, retries, deduplication and rate limit (durations in ms once parsed). */
const notificationChannelFields = {
  name,
  /** Event kinds this channel receives (NOTIFICATION_EVENTS); all when absent. */
  events: z
    .array(z.enum(NOTIFICATION_EVENTS))
    .min(1, 'list at least one event, or leave events out for all')
    .optional(),
  /** The lowest severity sent (VMRM's notification_level): `warning` sends warning and critical. */
  level: z.enum(NOTIFICATION_SEVERITIES).default('info'),
  /** The same event (kind, subject, message key) again within this window is recorded as suppressed; 0: never. */
  dedupeWindow: boundedDuration('notifications[].dedupeWindow').default(10 * 60_000),
  /** Beyond `max` deliveries per `window`, events are held and one summary is sent when the window ends. */
  rateLimit: z
    .object({
      max: z.number().int().min(1).max(10_000).default(20),
      window: boundedDuration('notifications[].rateLimit.window').default(5 * 60_000),
    })
    .strict()
    .default({ max: 20, window: 5 * 60_000 }),
  /** Exponential backoff with jitter from initialDelay up to maxDelay, for `attempts` in all or maxAge. */
  retry: z
    .object({
      attempts: z.number().int().min(1).max(100).default(10),
      initialDelay: boundedDuration('notifications[].retry.initialDelay').default(5_000),
      maxDelay: boundedDuration('notifications[].retry.maxDelay').default(10 * 60_000),
      maxAge: boundedDuration('notifications[].retry.maxAge').default(24 * 3_600_000),
    })
    .strict()
    .refine((r) => r.initialDelay <= r.maxDelay, {
      message: 'must not be longer than maxDelay',
      path: ['initialDelay'],
    })
    .default({ attempts: 10, initialDelay: 5_000, maxDelay: 10 * 60_000, maxAge: 24 * 3_600_000 }),
  /** How long one attempt may take (connect and answer). */
  timeout: boundedDuration('notifications[].timeout').default(10_000),
};

/** The message of a field the channel's kind requires, when it is missing (zod's default says only "undefined"). */
const requiredBy = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? message : undefined),
});
const httpUrl = z
  .string(requiredBy('a webhook needs a url (http:// or https://)'))
  .refine((value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol), {
    message: 'must be an http:// or https:// URL',
  });
const mailbox = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an e-mail address (user@domain)');

/**
 * A notification channel (activities/notifications/). `log` writes a line to the worker's log; `webhook` POSTs JSON
 * signed with HMAC-SHA256 under `secret`; `email` sends through an SMTP server. Secrets are credential references.
 */
export const notificationSchema = z.discriminatedUnion('kind', [
  z.object({ ...notificationChannelFields, kind: z.literal('log') }).strict(),
  z
    .object({
      ...notificationChannelFields,
      kind: z.literal('webhook'),
      url: httpUrl,
      /** Key of the HMAC-SHA256 signature header (X-Lazarus-Signature): a credential reference, never the key. */
      secret: z
        .string(requiredBy('a webhook needs a secret to sign with: env:NAME, file:/path or secret:KEY'))
        .pipe(credentialReference),
    })
    .strict(),
  z
    .object({
      ...notificationChannelFields,
      kind: z.literal('email'),
      /** The SMTP server (a relay that accepts mail from Lazarus). */
      host: z
        .string(requiredBy('an email channel needs the host of its SMTP server'))
        .regex(/^[A-Za-z0-9_.-]+$|^\[[0-9a-fA-F:]+\]$/, 'must be a host name or address'),
      port: z.number().int().min(1).max(65_535).default(587),
      /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      auth: z
        .object({ user: z.string().min(1), password: credentialReference })
        .strict()
        .optional(),
      from: z.string(requiredBy('an email channel needs a from address')).pipe(mailbox),
      to: z
        .array(mailbox, requiredBy('an email channel needs recipients (to: [user@domain, ...])'))
        .min(1, 'at least one recipient'),
    })
    .strict(),
]);

export const apiSchema = z
  .object({
    // 8740: off Temporal's 7233/8233, the Temporal UI's 8080 and PostgreSQL's 5432 (docker-compose.yml).
    listen: address.default('127.0.0.1:8740'),
    /** How long a request may wait on a device or Temporal before a 504 request_timeout (api/request-guards.ts). */
    requestTimeout: boundedDuration('api.requestTimeout').default(30_000),
    tokens: z
      .array(
        z
          .object({
            name,
            token: credentialReference,
            role: z.enum(['viewer', 'operator', 'admin']).default('operator'),
            /** DRaaS: scope the token to one tenant of dr (its DR sites and VMs only); absent: sees all. */
            tenant: name.optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const discoverySchema = z
  .object({
    interval: boundedDuration('discovery.interval').default(5 * 60_000),
    capacityCheckCron: cronExpression.default('0 3 * * *'),
  })
  .strict();

/**
 * Disaster recovery between two sites (VMRM DR / KSYS model; workflows/dr/): each configured site's role, the hosts
 * at each site, production → backup host pairs (many-to-one allowed), the remote-copy consistency groups that
 * replicate the active site's volumes with their RPO, per-VM DR policies, and when verification runs. Cross-references
 * are checked in domain/dr/config-checks.ts.
 */
const network = z.union([z.string().min(1), z.number().int()]);
const drVmPolicySchema = z
  .object({
    /** Which VMs: an exact name, a glob pattern (* and ?), or a tag; exactly one. */
    match: z
      .object({ name: z.string().optional(), pattern: z.string().optional(), tag: z.string().optional() })
      .strict()
      .refine(
        (m) => [m.name, m.pattern, m.tag].filter((v) => v !== undefined).length === 1,
        'give exactly one of name, pattern or tag',
      ),
    priority: z.enum(['critical', 'high', 'medium', 'low']).optional(),
    /** Start wave at the backup site: lower first (1 = first); VMs of one wave start by priority. */
    startOrder: z.number().int().min(1).max(1000).optional(),
    /** May start at the backup site with less than its desired size, down to its profile minimum. */
    allowReducedSize: z.boolean().optional(),
    /** Not protected by DR: never verified nor moved (KSYS `unmanage vm`). */
    exclude: z.boolean().optional(),
    /** Production network → backup network (VLAN ids or names), recorded for the move's report. */
    networks: z.array(z.object({ production: network, backup: network }).strict()).optional(),
  })
  .strict();

/** One DR pair: an active site, its backup site, host pairs, replication, policies, verification, tests. */
const drPairFields = {
  sites: z
    .array(
      z
        .object({
          name,
          role: z.enum(['active', 'backup']),
          /** Managed systems at the site; for the active site, default: the hosts of its host groups. */
          hosts: z.array(name).optional(),
        })
        .strict(),
    )
    .length(2, 'a DR configuration has two sites: one active and one backup'),
  hostPairs: z
    .array(z.object({ production: name, backup: name }).strict())
    .min(1, 'pair at least one production host with a backup host'),
  consistencyGroups: z
    .array(
      z
        .object({
          name,
          /** Storage system at the active site (the group's master) and at the backup site (aux). */
          master: name,
          aux: name,
          mode: z.enum(['metro', 'global']),
          /** Recovery point objective: how old the backup site's copy may be. */
          rpo: boundedDuration('dr.consistencyGroups[].rpo'),
          /** The VMs whose volumes the group holds; absent: whatever discovery finds in it. */
          vms: z.array(name).optional(),
        })
        .strict(),
    )
    .min(1, 'at least one consistency group replicates the active site'),
  policies: z.array(drVmPolicySchema).default([]),
  verify: z
    .object({
      /** Cron expression (UTC) of the scheduled verification per site pair; KSYS verifies daily. */
      schedule: cronExpression.default('0 2 * * *'),
      /** true: a backup host with fewer VIOS than production (single path) is a warning, not NOT_READY. */
      loseViosRedundancy: z.boolean().default(false),
    })
    .strict()
    .default({ schedule: '0 2 * * *', loseViosRedundancy: false }),
  /**
   * DR test (rehearsal, `ksysmgr test site`): each secondary volume is FlashCopied onto the pre-created volume of the
   * same size named <secondary><targetSuffix> at the backup site; the test network mapping is recorded for the report.
   */
  test: z
    .object({
      targetSuffix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,20}$/, 'letters, digits, _ . - (at most 20)')
        .default('_test'),
      networks: z.array(z.object({ production: network, test: network }).strict()).default([]),
    })
    .strict()
    .default({ targetSuffix: '_test', networks: [] }),
  /** DRaaS: the tenant (customer) owning this pair; API tokens scoped to it see and act on its sites only. */
  tenant: name.optional(),
  /** DRaaS: contract priority at the shared recovery site, 1–100; higher moves first when tenants move together. */
  contractPriority: z.number().int().min(1).max(100).default(50),
  /**
   * DRaaS: the capacity the provider reserves for this tenant at the shared site (processing units, memory in MB).
   * A move whose VMs fit it may run while other tenants' moves that fit theirs run; otherwise it runs alone.
   */
  reservedCapacity: z
    .object({ procUnits: z.number().positive(), memoryMb: z.number().int().positive() })
    .strict()
    .optional(),
};
export const drPairSchema = z.object(drPairFields).strict();

export const drSchema = z
  .object({
    ...drPairFields,
    /**
     * DRaaS: further pairs sharing the same recovery site, one per tenant (each its own active site, HMCs, storage and
     * host pairs). The provider coordinator (workflows/dr/provider.ts) serializes what touches the shared site.
     */
    tenants: z.array(z.object({ ...drPairFields, tenant: name }).strict()).default([]),
    /** How long the provider coordinator gathers moves declared together before choosing by contract priority. */
    coordination: z
      .object({
        gatherWindow: boundedDuration('dr.coordination.gatherWindow').default(5_000),
        /** DRaaS: each tenant's scheduled verification starts this long after the previous tenant's (by priority). */
        verifyStagger: boundedDuration('dr.coordination.verifyStagger').default(10 * 60_000),
      })
      .strict()
      .default({ gatherWindow: 5_000, verifyStagger: 10 * 60_000 }),
  })
  .strict();

export const configSchema = z
  .object({
    knownHostsFile: z.string().optional(),
    hmcs: z.array(hmcSchema).min(1, 'at least one HMC is needed'),
    storage: z.array(storageSchema).min(1, 'at least one storage system is needed'),
    sites: z.array(siteSchema).min(1),
    hostGroups: z.array(hostGroupSchema).min(1),
    policies: z.array(vmPolicySchema).default([]),
    notifications: z.array(notificationSchema).default([]),
    api: apiSchema.default({ listen: '127.0.0.1:8740', requestTimeout: 30_000, tokens: [] }),
    discovery: discoverySchema.default({ interval: 5 * 60_000, capacityCheckCron: '0 3 * * *' }),
    agents: agentsSchema.default({ checkInterval: 15_000, resumeGrace: 300_000, tokens: [] }),
    /** Disaster recovery between an active and a backup site (absent: no DR). */
    dr: drSchema.optional(),
  })
  .strict();

export type LazarusConfig = z.output<typeof configSchema>;
export type HostGroupConfig = z.output<typeof hostGroupSchema>;
export type MonitoringConfig = z.output<typeof monitoringSchema>;
export type VmPolicy = z.output<typeof vmPolicySchema>;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];
export type NotificationChannelConfig = z.output<typeof notificationSchema>;
export type AgentsConfig = z.output<typeof agentsSchema>;
export type VmHealthSettings = z.output<typeof vmHealthSchema>;
/** One DR pair (the top-level `dr` or one of `dr.tenants`). */
export type DrConfig = z.output<typeof drPairSchema>;
export type DrSection = z.output<typeof drSchema>;
