export { moveDrSite } from './planned-move.js';
export { discoverDrSite, verifyDrSite } from './verify-dr-site.js';
