// Request fields the devserver does not implement. A field that would change what a real server does is refused
// with INVALID_ARGUMENT naming it (never accepted and silently ignored, so a test that passes here does not fail
// against a real Temporal Service, or the other way round). Fields that are only hints a real server may also
// disregard (request_eager_execution, inherit_build_id without versioning) are not refused.
import type { temporal } from '@temporalio/proto';
import { invalidArgument } from '../errors.js';
import type { P } from './model.js';

type StartLike = P<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest> &
  P<temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest>;

const notSupported = (field: string, feature: string) =>
  invalidArgument(`${field} is not supported by the Lazarus devserver (${feature} is not implemented)`);

const isSet = (value: unknown): boolean => {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value as object).some(isSet);
  return value !== '' && value !== 0 && value !== false;
};

/**
 * Refuses the StartWorkflowExecution / SignalWithStartWorkflowExecution fields the devserver does not implement.
 * @throws INVALID_ARGUMENT naming the field.
 */
export function refuseUnsupportedStartFields(request: StartLike): void {
  if (isSet(request.completionCallbacks)) throw notSupported('completion_callbacks', 'Nexus');
  if (isSet(request.versioningOverride)) throw notSupported('versioning_override', 'worker versioning');
  if (isSet(request.onConflictOptions))
    throw notSupported('on_conflict_options', 'attaching callbacks and links to a running workflow');
  if (isSet((request as { eagerWorkerDeploymentOptions?: unknown }).eagerWorkerDeploymentOptions))
    throw notSupported('eager_worker_deployment_options', 'worker deployments');
  if (isSet((request as { timeSkippingConfig?: unknown }).timeSkippingConfig))
    throw notSupported('time_skipping_config', 'time skipping');
}

/** The message for a command field the devserver does not implement, or undefined when the command is fine. */
export function unsupportedCommandField(command: P<temporal.api.command.v1.ICommand>): string | undefined {
  const child = command.startChildWorkflowExecutionCommandAttributes;
  if (child && isSet(child.versioningOverride))
    return 'StartChildWorkflowExecution: versioning_override is not supported by the Lazarus devserver';
  const next = command.continueAsNewWorkflowExecutionCommandAttributes;
  if (next && isSet(next.initialVersioningBehavior))
    return 'ContinueAsNewWorkflowExecution: initial_versioning_behavior is not supported by the Lazarus devserver';
  return undefined;
}

/**
 * Refuses a poll from a worker that asks for worker versioning (build-id based or deployments): the devserver would
 * otherwise hand it tasks without the versioning rules it relies on.
 * @throws INVALID_ARGUMENT.
 */
export function refuseVersionedPoller(
  poll: {
    workerVersionCapabilities?: { useVersioning?: boolean | null } | null;
    deploymentOptions?: { workerVersioningMode?: number | null } | null;
  },
  rpc: string,
): void {
  if (poll.workerVersionCapabilities?.useVersioning)
    throw invalidArgument(`${rpc}: worker versioning (use_versioning) is not supported by the Lazarus devserver`);
  // WorkerVersioningMode VERSIONED = 2; UNVERSIONED (1) is what an unversioned worker may say.
  if ((poll.deploymentOptions?.workerVersioningMode ?? 0) === 2)
    throw invalidArgument(`${rpc}: worker deployments (versioned mode) are not supported by the Lazarus devserver`);
}

/**
 * Refuses the update request fields the devserver does not implement (Nexus callbacks and links on an update).
 * @throws INVALID_ARGUMENT naming the field.
 */
export function refuseUnsupportedUpdateFields(request: P<temporal.api.update.v1.IRequest> | null | undefined): void {
  const extra = request as { completionCallbacks?: unknown; links?: unknown } | null | undefined;
  if (isSet(extra?.completionCallbacks)) throw notSupported('request.completion_callbacks', 'Nexus');
}

/**
 * Refuses the RegisterNamespace fields of what the devserver does not have: archival, multi-cluster (global)
 * namespaces, other clusters. A real single-cluster server without archival refuses them with INVALID_ARGUMENT too.
 * @throws INVALID_ARGUMENT naming the field.
 */
export function refuseUnsupportedNamespaceFields(
  request: P<temporal.api.workflowservice.v1.IRegisterNamespaceRequest>,
): void {
  // ArchivalState ENABLED = 2.
  if (request.historyArchivalState === 2 || request.historyArchivalUri)
    throw notSupported('history_archival_state/history_archival_uri', 'archival');
  if (request.visibilityArchivalState === 2 || request.visibilityArchivalUri)
    throw notSupported('visibility_archival_state/visibility_archival_uri', 'archival');
  if (request.isGlobalNamespace) throw notSupported('is_global_namespace', 'multi-cluster replication');
  const clusters = (request.clusters ?? []).map((c) => c.clusterName);
  if (
    clusters.some((name) => name !== 'active') ||
    (request.activeClusterName && request.activeClusterName !== 'active')
  )
    throw notSupported('clusters/active_cluster_name', 'multi-cluster replication (the only cluster is "active")');
}
