// How clients talk to a host group's monitor: its workflow id, the query of its current view, and the signal that
// makes it read its settings again. The shapes live in
// domain/monitoring/.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MonitorView } from '../../domain/monitoring/index.js';

/** One monitor per host group. */
export const hostMonitorWorkflowId = (group: string) => `monitor/${group}`;

/** The monitor's current view: per host its verdict, consecutive count, quarantine and last observation time. */
export const monitorViewQuery = defineQuery<MonitorView>('monitorView');

/**
 * Read the settings again now: the monitor ends its run after the observation in progress and continues as new (it
 * reads the configuration at the start of every run). Sent at startup, so a changed `monitoring` block applies at
 * once rather than at the next continue-as-new.
 */
export const reloadSettingsSignal = defineSignal('reloadSettings');
