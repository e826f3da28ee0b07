export { discoverDrSite, verifyDrSite } from './verify-dr-site.js';
