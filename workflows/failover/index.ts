export { hostFailover, type HostFailoverArgs } from './host-failover.js';
export { restartStream } from './restart-stream.js';
