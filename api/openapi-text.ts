// The words of the OpenAPI document: a summary and a description for every operation, and a description for every
// parameter and field the route modules' schemas leave without one (api/openapi.ts applies them; test/api/openapi.test.ts
// fails when an operation, parameter or field has none). A field is looked up by its place (`<schema or operation>.
// <path>`), then by its parent and name (`vms[].state`), then by its name alone, which keeps one meaning everywhere.

/** `METHOD /path` → [summary, description]. */
export const OPERATION_TEXT: Record<string, [string, string]> = {
  'POST /v1/failovers': [
    'Start a host failover (or a dry run)',
    'Starts failover/<group>/<host>: confirm the host is down, fence it, plan, (advisory: wait for approval), restart ' +
      'its LPARs on the other hosts of the group, report. dryRun: the plan only, nothing changed, answered within ' +
      'api.requestTimeout (504 dry_run_timeout when a device does not answer). Operator role.',
  ],
  'GET /v1/failovers': [
    'List failover runs',
    'Runs of failover/<group>/<host> workflows from Temporal visibility, newest start first, filtered by group, host, ' +
      "outcome (the stored report's) and start time, one page at a time (limit, cursor).",
  ],
  'GET /v1/failovers/{id}': [
    'Read one failover run',
    'The latest run of the failover (or ?runId=): its live progress while running (phase, streams, LPAR steps, ' +
      'elapsedMs), its stored report once closed.',
  ],
  'POST /v1/failovers/{id}/approve': [
    'Approve an advisory failover',
    'Lets a failover waiting for approval fence and restart. The actor is the token name; `by` is a note beside it. ' +
      'Operator role.',
  ],
  'POST /v1/failovers/{id}/reject': [
    'Reject an advisory failover',
    'Ends a failover waiting for approval without changing anything; its report says rejected. Operator role.',
  ],
  'POST /v1/failovers/{id}/cancel': [
    'Cancel a running failover',
    'Nothing new starts; work in flight finishes or is undone where safe; every LPAR is reported in a known state. ' +
      'Operator role.',
  ],
  'POST /v1/failovers/{id}/override-fence': [
    'Override a blocked fence',
    'Replaces the missing power-off proof of a failover whose fence is blocked (phase fence-blocked), never per-LPAR ' +
      'evidence of life. Admin role; the reason is required and audited.',
  ],
  'GET /v1/notifications': [
    'List notifications',
    'Notifications raised (host failed, failover done, ...), newest first, each with its deliveries per channel; ' +
      'filtered by severity, kind and time, paged.',
  ],
  'GET /v1/notifications/dead-letters': [
    'List dead letters',
    'Deliveries given up on after their retries, newest first, each with its notification; paged.',
  ],
  'POST /v1/notifications/dead-letters/{id}/retry': [
    'Send a dead letter again',
    'Queues a dead delivery again with a fresh series of attempts. Operator role.',
  ],
  'POST /v1/sites/{site}/discover': [
    'Discover a DR site pair',
    'Reads both sites (hosts, VMs, volumes, consistency groups) as workflow dr-discover/<site>/on-demand; 202 at ' +
      'once, or with ?wait= the result when it ends within that many seconds. Operator role.',
  ],
  'POST /v1/sites/{site}/verify': [
    'Verify a DR site pair',
    'Checks every VM of the site for a move (READY_TO_MOVE or NOT_READY with reasons); 202 at once, or with ?wait= ' +
      'the result when it ends within that many seconds. Operator role.',
  ],
  'POST /v1/sites/{site}/move': [
    'Move a site to its backup site',
    'Planned (clean stop, replication switched) or unplanned (fence, take over) move as workflow dr-move/<site>; ' +
      '409 while another move of the site runs. Operator role.',
  ],
  'GET /v1/sites/{site}/move': [
    "Read a site's move",
    'The latest move (or move back, or resync) of the site: its status, progress while running, report once ' +
      'completed; a DRaaS move still waiting at the provider shows its place in the queue.',
  ],
  'POST /v1/sites/{site}/resync': [
    'Resynchronize the old active site',
    'After an unplanned move: the old active site is resynchronized from the backup site. Operator role.',
  ],
  'POST /v1/sites/{site}/move-back': [
    'Move back to the active site',
    "Moves the site's VMs from the backup site home after a move. Operator role.",
  ],
  'POST /v1/sites/{site}/move/approve': [
    'Approve an advisory move',
    'Lets an advisory planned move that shows its plan go on. Operator role.',
  ],
  'POST /v1/sites/{site}/move/reject': [
    'Reject an advisory move',
    'Ends an advisory planned move without changing anything. Operator role.',
  ],
  'POST /v1/sites/{site}/move/override-fence': [
    "Override an unplanned move's blocked fence",
    'An unplanned move waits in phase fence-blocked while some active-site host cannot be proven down (HMC ' +
      "unreachable, host in No Connection); the admin's reason stands in for the proof and the move takes over. " +
      'Admin role; the actor is the token name.',
  ],
  'POST /v1/sites/{site}/move/cancel': [
    'Cancel a running move',
    'Asks the running move of the site to stop at its next safe point. Operator role.',
  ],
  'GET /v1/sites': [
    'List DR sites',
    'The active DR sites the caller may see with their backup sites (a tenant token: its own only).',
  ],
  'GET /v1/provider/{site}/queue': [
    "Read a shared recovery site's queue",
    "DRaaS: the provider coordinator's view of a shared recovery site: the move running, those queued by contract " +
      'priority, those done. Provider tokens only.',
  ],
  'POST /v1/sites/{site}/test': [
    'Start a DR test',
    'FlashCopy copies at the backup site, the VMs started on them, production untouched (workflow dr-test/<site>). ' +
      'Operator role.',
  ],
  'DELETE /v1/sites/{site}/test': [
    'Clean up a DR test',
    'Stops the test VMs and removes their FlashCopy copies and mappings. Operator role.',
  ],
  'GET /v1/sites/{site}/test': [
    "Read a site's DR test",
    'The latest DR test: its status, progress while running, report once completed.',
  ],
  'GET /v1/sites/{site}/verification': [
    'Read the latest verification',
    'The newest verification of the site: per VM READY_TO_MOVE or NOT_READY with reason codes, per consistency group ' +
      'its state.',
  ],
  'GET /v1/sites/{site}/verification/history': [
    'List verifications',
    "The site's verifications, newest first: when, ready or not, which VMs were not ready and why.",
  ],
  'GET /v1/vms/{vm}/dr': [
    "Read a VM's DR state",
    'ksysmgr query vm: the VM as the newest verification saw it (state, reasons, warnings) and its history.',
  ],
  'PUT /v1/hosts/{host}/maintenance': [
    'Put a host in maintenance',
    'The host monitor does not fail over a host in maintenance, and no failover picks it as a destination. Operator ' +
      'role.',
  ],
  'DELETE /v1/hosts/{host}/maintenance': [
    'End maintenance of a host',
    'The host monitor acts on its failures again. Operator role.',
  ],
  'GET /v1/groups/{group}/monitor': [
    "Read a group monitor's view",
    "The host monitor's current view of the group: per host its verdict, consecutive bad observations, quarantine; " +
      '503 when the monitor does not answer in 5 s.',
  ],
  'GET /v1/groups/{group}/detections': [
    "List a group's detections",
    'Host failures the monitor confirmed and what it did (failover started, advisory, alert only), newest first; ' +
      'filtered by host and time, paged.',
  ],
  'POST /v1/hosts/{host}/evacuate': [
    'Evacuate a host by LPM',
    'Puts the host in maintenance and moves its LPARs to the other hosts of its group by Live Partition Mobility; ' +
      'advisory: the plan only. Operator role.',
  ],
  'GET /v1/hosts/{host}/evacuate': [
    "Read a host's evacuation",
    "The running evacuation's progress, or the last one's report.",
  ],
  'POST /v1/hosts/{host}/restore': [
    'Restore LPARs to their host',
    'Moves every LPAR an evacuation moved away back to the host by LPM, in one operation. Operator role.',
  ],
  'GET /v1/hosts/{host}/restore': [
    "Read a host's restore",
    "The running restore's progress, or the last one's report.",
  ],
  'POST /v1/hosts/{host}/failback': [
    'Fail back a returned host',
    'After a failover, removes the returned host’s stale LPAR definitions and volume mappings so it may be a ' +
      'destination again; answered when done (bounded by api.requestTimeout). Operator role.',
  ],
  'POST /v1/hosts/{host}/evacuate/cancel': [
    'Cancel an evacuation',
    'Nothing new starts; migrations in flight finish (or are recovered). Operator role.',
  ],
  'POST /v1/hosts/{host}/restore/cancel': [
    'Cancel a restore',
    'Nothing new starts; migrations in flight finish (or are recovered). Operator role.',
  ],
  'POST /v1/agents/heartbeat': [
    'Report a VM heartbeat',
    "An agent's heartbeat for its VM with its applications' states; agent tokens only, each for the VMs it names.",
  ],
  'GET /v1/vms/{vm}/health': [
    "Read a VM's health",
    "The VM's last heartbeat and its age, whether it is silent, its applications, and the restarts Lazarus made.",
  ],
  'DELETE /v1/vms/{vm}/health': [
    'Stop watching a VM',
    "Forgets the VM's heartbeats and application states until its agent reports again (restarts are kept). " +
      'Operator role.',
  ],
  'GET /v1/audit': [
    'Read the audit log',
    'Every state-changing call with its actor (the token name), role, the ids it named, its status and the escaped ' +
      'note; newest first, filtered and paged. Admin role.',
  ],
  'GET /v1/hosts': [
    'List hosts',
    'Hosts (managed systems) as known now: the newest discovery merged with what failovers and live reads saw since, ' +
      'each with its age, source, fence and maintenance; filtered by group, host and observation time, paged.',
  ],
  'GET /v1/groups': [
    'List host groups',
    'Host groups as configured: hosts, HMCs, storage, recovery mode and monitoring settings; never credentials.',
  ],
  'GET /v1/groups/{group}/capacity': [
    "Read a group's capacity check",
    'The newest capacity check: for each host, whether its LPARs would fit on the others if it failed, and which ' +
      'would be left without room.',
  ],
  'POST /v1/groups/{group}/capacity': [
    'Run a capacity check now',
    'Starts the capacity check of the group (the same workflow as the daily one); a second request joins it. ' +
      'Operator role.',
  ],
  'GET /v1/lpars': [
    'List LPARs',
    'LPARs where and as last observed (discovery, failovers, live reads), each with its age and source; filtered by ' +
      'group, host and observation time, paged.',
  ],
  'GET /v1/healthz': [
    'Health',
    'Whether Temporal and the inventory store answer; no token needed. 503 with the failing check when degraded.',
  ],
  'GET /v1/openapi.json': ['This document', 'The OpenAPI 3 document of the API, generated from its zod schemas.'],
};

/** Descriptions by place: `<component schema>.<path>` or `<METHOD path status|body>.<path>` (arrays as `[]`). */
const BY_PLACE: Record<string, string> = {
  'FailoverAccepted.id': 'the failover id, failover/<group>/<host>',
  'FailoverAccepted.status': 'started, or for a decision sent as a signal: "<action> sent" / "cancel requested"',
  'Error.id': 'the id of the workflow the error is about (e.g. the failover already running)',
  'Error.fields[].path': 'the field, as a dotted path (or body / query / path when the whole part is wrong)',
  'Error.fields[].message': 'what is wrong with it',
  'FailoverRuns.failovers[].id': 'the failover id, failover/<group>/<host>',
  'FailoverRuns.failovers[].status': 'running, completed, failed, canceled, terminated, timed_out',
  'FailoverRun.id': 'the failover id, failover/<group>/<host>',
  'Notification.id': 'the notification number (newest highest)',
  'NotificationDelivery.id': 'the delivery number: the id to retry a dead letter with',
  'NotificationDelivery.status':
    'pending, sent, dead (given up), suppressed (deduplicated), held (rate limit), summarized',
  'DeadLetters.deadLetters[].notification.id': 'the notification number',
  'DeadLetterRetry.id': 'the delivery number',
  'DeadLetterRetry.status': 'pending: queued again',
  'HostMaintenance.since': 'when maintenance began (ISO 8601)',
  'Hosts.hosts[].maintenance.since': 'when maintenance began (ISO 8601)',
  'Hosts.hosts[].state': 'the host state as the HMC reports it (Operating, Power Off, Error, No Connection, ...)',
  'Lpars.lpars[].state': 'the LPAR state as the HMC reports it (Running, Not Activated, Open Firmware, ...)',
  'Hosts.hosts': 'one page of hosts, in (group, name) order',
  'Lpars.lpars': 'one page of LPARs, in (group, name, host) order',
  'Groups.groups[].hosts': 'the hosts (managed systems) of the group',
  'Capacity.hosts': 'per host of the group: what its failure would leave without room',
  'Capacity.hosts[].withoutRoom[].reason': "the planner's reason code (e.g. capacity, anti-collocation)",
  'Capacity.hosts[].withoutRoom[].detail': "the planner's explanation",
  'MonitorView.hosts': 'per host of the group: its verdict, consecutive count and quarantine',
  'HostDetections.detections[].action': 'what the monitor did: failover-auto, failover-advisory, alert-only, ...',
  'HostDetections.detections[].reason': 'why the monitor decided so, in words',
  'GET /v1/healthz 200.status': 'ok',
  'GET /v1/healthz 503.status': 'degraded: the failing check is false in checks',
  'GET /v1/sites/{site}/move 200.status': "the move workflow's status: QUEUED, RUNNING, COMPLETED, FAILED, ...",
  'GET /v1/sites/{site}/test 200.status': "the test workflow's status: RUNNING, COMPLETED, FAILED, ...",
  'GET /v1/sites/{site}/verification 200.id': 'the verification number',
  'GET /v1/sites/{site}/verification/history 200.verifications[].id': 'the verification number',
  'POST /v1/agents/heartbeat body.apps[].status': 'the application state as the agent saw it: ok or failed',
};

/** Descriptions by parent and name (`<parent>[].<name>` or `<parent>.<name>`). */
const BY_PARENT: Record<string, string> = {
  'vms[].state': 'READY_TO_MOVE or NOT_READY',
  'history[].state': 'READY_TO_MOVE or NOT_READY at that verification',
  'groups[].state': "the consistency group's replication state as the storage system reports it",
  'groups[].name': 'the name',
  'groups[].primary': 'which side of the consistency group is primary (master or aux)',
  'apps[].name': 'the application, as the agent names it',
  'apps[].detail': "the agent's detail on the application's state",
  'reasons[].code': 'a reason code (stable, for scripts)',
  'reasons[].message': 'the reason in words',
  'warnings[].code': 'a warning code (stable, for scripts)',
  'warnings[].message': 'the warning in words',
  'lastResult.at': 'when the attempt was made',
  'results[].at': 'when the attempt was made',
  'lastResult.ok': 'whether the channel accepted it',
  'results[].ok': 'whether the channel accepted it',
  'monitoring.action': 'what the monitor does on a confirmed failure: auto, advisory, off (alert only)',
};

/** Descriptions by name alone: one meaning everywhere in this API. */
const BY_NAME: Record<string, string> = {
  message: 'what happened or what to do next, in words for an operator',
  code: 'a machine-readable code (stable, for scripts)',
  workflowId: 'the Temporal workflow id of the operation (Temporal UI or CLI)',
  runId: 'the Temporal run id of that workflow run (a UUID)',
  id: 'the id of the object',
  status: 'the state of the operation, in the words of its source',
  reason: 'why, in the words of whoever decided it',
  by: 'who: the token name of the caller (a `by` sent in a body is only a note beside it)',
  state: 'the state as its device reports it',
  result: "the workflow's result",
  report: "the operation's report once completed",
  name: 'the name, as configured',
  mode: 'auto (act at once) or advisory (wait for an approval)',
  host: 'a host (managed system) of a configured group',
  group: 'a configured host group',
  hosts: 'hosts (managed systems)',
  site: 'a DR site',
  vm: 'a VM (LPAR) name',
  vms: 'VMs (LPARs)',
  lpar: 'an LPAR (VM) name',
  lpars: 'LPARs (VMs)',
  since: 'since when (ISO 8601)',
  at: 'when (ISO 8601)',
  ok: 'whether it succeeded',
  detail: 'more on it, in words',
  kind: 'the event kind (host-failed, failover-completed, ...)',
  severity: 'info, warning or critical',
  raisedAt: 'when it was raised (ISO 8601)',
  verifiedAt: 'when the verification ran (ISO 8601)',
  ageSeconds: 'seconds since then, at the time of the request',
  backupSite: 'the backup site of the pair',
  backupHost: 'the backup host paired with the production host',
  productionHost: 'the production host the VM runs on',
  productionState: 'the VM state on the production host, as the HMC reports it',
  readyToMove: 'how many VMs are READY_TO_MOVE',
  ready: 'true when every VM is READY_TO_MOVE',
  notReady: 'the VMs NOT_READY and their reason codes',
  reasons: 'why, each a code and a message',
  warnings: 'what does not stop a move but should be known, each a code and a message',
  codes: 'reason codes',
  history: 'earlier verifications of it, newest first',
  verdict: 'the monitor verdict: failed, failed-unproven, ok, ...',
  processorUnits: 'processor units (desired, minimum, maximum, free: as the HMC reports them)',
  memoryMb: 'memory in MB (desired, minimum, maximum, free: as the HMC reports them)',
  nextCursor: 'pass as cursor for the next page; absent on the last page',
  lastObservedAt: 'when it was last observed (ISO 8601)',
  groups: 'the groups',
  shutdownTimeout: 'seconds an operating-system shutdown may take before the VM is stopped at once',
  volumes: 'the names of its volumes (vdisks)',
  typeModel: 'machine type and model (MTM)',
  serial: 'serial number of the managed system',
  hmc: 'the HMC that described it',
  staleReason: 'why the newest discovery could not describe it',
  startedAt: 'when it started (ISO 8601)',
  finishedAt: 'when it finished (ISO 8601)',
  fenced: 'true when a failover fenced it (powered off, mappings removed)',
  storage: 'the storage system of the group',
  recoveryMode: "the group's failover mode: auto or advisory",
  monitoring: 'the host monitor settings of the group',
  enabled: 'whether it is on',
  flapLimit: 'failures within flapWindow after which a host is quarantined (not failed over again)',
  priority: 'restart priority (high, medium, low)',
  tenant: 'DRaaS: the tenant the site belongs to',
  sites: 'the DR sites',
  primary: 'which side is primary',
  to: 'the site to move to',
  hold: 'seconds the test VMs stay up before the automatic cleanup',
  dryRun: 'true: the plan only; nothing is fenced, mapped or started',
  failedHost: 'the host whose failure is considered',
  fits: "true when the failed host's LPARs fit on the others",
  shortfalls: 'per resource: how much is needed, how much is free, and for which LPARs',
  resource: 'processorUnits or memoryMb',
  needed: 'how much is needed',
  hostsWithShortfall: 'hosts whose failure would leave LPARs without room',
  firstBadAt: 'the first failing observation of the streak (ISO 8601)',
  failoverId: 'the failover the monitor started, failover/<group>/<host>',
  monitorId: 'the monitor workflow that recorded it',
  detections: 'confirmed host failures, newest first',
  observations: 'how many observations the monitor has made',
  unreachableHmcs: 'HMCs the monitor could not reach at its last observation',
  quarantinedUntil: 'until when the host is not failed over again (flap guard)',
  notifications: 'notifications, newest first',
  notification: 'the notification the delivery is for',
  deliveries: 'its deliveries, one per channel',
  nextAttemptAt: 'when the next attempt is due (ISO 8601)',
  lastResult: 'the last attempt',
  failovers: 'failover runs, newest start first',
  phase: 'the phase the operation is in',
  path: 'where',
  fields: 'each field that is wrong',
  sentAt: 'when the agent sent it (ISO 8601)',
  rpoMs: 'the recovery point objective, in milliseconds',
  recoveryPoint: 'the time the backup copy holds data up to (ISO 8601)',
  lagSeconds: 'how far the backup copy is behind, in seconds',
  verifications: 'verifications, newest first',
  closedAt: 'when it closed (ISO 8601)',
  channel: 'the notification channel, as configured',
  deadLetters: 'deliveries given up on, newest first',
  consecutive: 'consecutive observations with the same verdict',
  confirmedAt: 'when the failure was confirmed (ISO 8601)',
  confirmations: 'consecutive bad observations that confirm a failure',
  checkedAt: 'when the check ran (ISO 8601)',
  available: 'how much is free on the surviving hosts',
  advisory: 'true: show the plan and wait for an approval (or reject) before changing anything',
  contractPriority: 'DRaaS: contract priority at the shared recovery site, 1-100; higher moves first',
  maintenance: 'whether the host is in maintenance',
  apps: 'the applications the agent watches on the VM, with their states',
  watched: 'whether the VM is still watched',
  wait: 'seconds to wait for the result before answering 202 (0-300)',
  limit: 'items per page',
};

/** An OpenAPI schema object, as far as the describer walks it. */
interface SchemaNode {
  $ref?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

/** The description of a field at `place.path` named `name`, by place, parent and name; undefined when unknown. */
export function fieldText(place: string, path: string, name: string): string | undefined {
  const parent = path.split('.').slice(-2).join('.');
  return BY_PLACE[`${place}.${path}`] ?? BY_PARENT[parent] ?? (BY_NAME[name] || undefined);
}

/** Fills, in place, every property of `schema` that lacks a description (`place` names where it is). */
export function describeSchema(schema: SchemaNode | undefined, place: string, path = ''): void {
  if (!schema || typeof schema !== 'object' || schema.$ref) return;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const at = path ? `${path}.${name}` : name;
    if (!property.description && !property.$ref) {
      const text = fieldText(place, at, name);
      if (text) property.description = text;
    }
    describeSchema(property, place, at);
  }
  if (schema.items) describeSchema(schema.items, place, `${path}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    describeSchema(schema.additionalProperties, place, path);
  for (const member of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])])
    describeSchema(member, place, path);
}

/** The parts of an OpenAPI document the describer fills. */
interface Document {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, SchemaNode> };
}
interface Operation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; description?: string; schema?: SchemaNode }>;
  requestBody?: { content?: Record<string, { schema?: SchemaNode }> };
  responses?: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
}

/** Adds the summaries, descriptions and field descriptions above where the route modules gave none. */
export function describeDocument(document: Document): void {
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) describeSchema(schema, name);
  for (const [path, item] of Object.entries(document.paths ?? {}))
    for (const [method, operation] of Object.entries(item)) {
      const key = `${method.toUpperCase()} ${path}`;
      const [summary, description] = OPERATION_TEXT[key] ?? [];
      operation.summary ??= summary;
      operation.description ??= description;
      for (const parameter of operation.parameters ?? [])
        if (!parameter.description)
          parameter.description =
            parameter.schema?.description ??
            (parameter.in === 'path' ? BY_NAME[parameter.name] : undefined) ??
            BY_NAME[parameter.name];
      describeSchema(operation.requestBody?.content?.['application/json']?.schema, `${key} body`);
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        describeSchema(response.content?.['application/json']?.schema, `${key} ${status}`);
    }
}
