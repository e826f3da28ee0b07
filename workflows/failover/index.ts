export { hostFailover, type HostFailoverSettings } from './host-failover.js';
export { restartStream } from './restart-stream.js';
