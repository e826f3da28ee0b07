// One host monitor per host group whose monitoring is enabled (workflows/monitoring/), started when Lazarus starts.
// Idempotent: a monitor already running is asked to read the configuration again at once (it continues as new after
// the observation in progress, and stops there if its group is gone or disabled).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { LazarusConfig } from '../domain/config/index.js';
import { hostMonitorWorkflowId, reloadSettingsSignal } from '../workflows/monitoring/messages.js';

/** Starts the missing monitors; returns each enabled group's monitor id and whether it was started or running. */
export async function ensureHostMonitors(
  client: Client,
  config: Pick<LazarusConfig, 'hostGroups'>,
  taskQueue: string,
  options: { iterationsPerRun?: number } = {},
): Promise<Array<{ id: string; status: 'started' | 'running' }>> {
  const monitors: Array<{ id: string; status: 'started' | 'running' }> = [];
  for (const group of config.hostGroups.filter((g) => g.monitoring.enabled)) {
    const id = hostMonitorWorkflowId(group.name);
    try {
      await client.workflow.start('hostMonitor', {
        taskQueue,
        workflowId: id,
        args: [{ group: group.name, ...(options.iterationsPerRun && { iterationsPerRun: options.iterationsPerRun }) }],
        workflowIdConflictPolicy: 'FAIL',
      });
      monitors.push({ id, status: 'started' });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Running since before this start: have it read the (possibly changed) configuration now.
      await client.workflow.getHandle(id).signal(reloadSettingsSignal);
      monitors.push({ id, status: 'running' });
    }
  }
  return monitors;
}
