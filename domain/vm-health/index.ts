// VM and application health: agent heartbeats, per-VM policy, and the pure rules the monitor applies.
export * from './contracts.js';
export * from './policy.js';
export * from './agent-scope.js';
export * from './outage-guard.js';
