// Host monitoring: the observation contract and the pure rules the monitor workflow applies.
export * from './contracts.js';
export * from './host-verdict.js';
export * from './host-tracker.js';
export * from './monitor-view.js';
