export {
  hostMonitor,
  ITERATIONS_PER_RUN,
  type HostMonitorInput,
  type MonitorCarry,
  type MonitorEnd,
} from './host-monitor.js';
export { hostMonitorWorkflowId, monitorViewQuery } from './messages.js';
