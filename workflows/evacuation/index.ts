export { evacuateHost } from './evacuate-host.js';
export { restoreHost } from './restore-host.js';
export { autoFailback, failbackHost } from './failback-host.js';
