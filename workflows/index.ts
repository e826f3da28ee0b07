// Every workflow the Lazarus worker hosts.
export * from './discovery/index.js';
export * from './dr/index.js';
export * from './failover/index.js';
export * from './vm-health/index.js';
export * from './monitoring/index.js';
export * from './evacuation/index.js';
