export * from './contracts.js';
export * from './policy.js';
export * from './failback.js';
