export { checkHostGroupCapacity, discoverHostGroup, type DiscoveryOutcome } from './discover-host-group.js';
