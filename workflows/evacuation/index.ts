export { evacuateHost } from './evacuate-host.js';
export { restoreHost } from './restore-host.js';
export { failbackHost } from './failback-host.js';
