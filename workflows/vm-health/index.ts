export { vmHealthMonitor, type VmHealthMonitorInput } from './vm-health-monitor.js';
export { vmRestart, type VmRestartInput } from './vm-restart.js';
