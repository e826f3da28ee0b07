export { hostFailover, type HostFailoverArgs } from './host-failover.js';
export { restartStream } from './restart-stream.js';
export { fullSizeWorkflowId, returnLparToFullSize, type FullSizeInput } from './full-size.js';
