export * from './contracts.js';
export * from './outcome.js';
export * from './partition-states.js';
export * from './policy.js';
