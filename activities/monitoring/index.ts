// The host monitor's activities: the observation (observe-host-group.ts) and the settings, maintenance and
// detection records (monitor-activities.ts), all on the main queue.
export {
  createMonitorActivities,
  type MonitorControlActivities,
  type MonitorDependencies,
  type ObserveActivities,
} from './monitor-activities.js';
export { excludedDestinations } from './destinations.js';
