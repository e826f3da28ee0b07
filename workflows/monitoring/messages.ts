// How clients talk to a host group's monitor: its workflow id and the query of its current view. The shapes live in
// domain/monitoring/.
import { defineQuery } from '@temporalio/workflow';
import type { MonitorView } from '../../domain/monitoring/index.js';

/** One monitor per host group. */
export const hostMonitorWorkflowId = (group: string) => `monitor/${group}`;

/** The monitor's current view: per host its verdict, consecutive count, quarantine and last observation time. */
export const monitorViewQuery = defineQuery<MonitorView>('monitorView');
