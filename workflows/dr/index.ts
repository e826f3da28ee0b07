export { moveBackDrSite, moveDrSite } from './planned-move.js';
export { resyncDrSite } from './resync.js';
export { failoverDrSite } from './unplanned-move.js';
export { discoverDrSite, verifyDrSite } from './verify-dr-site.js';
export { testDrSite } from './test-site.js';
export { drProviderCoordinator } from './provider.js';
