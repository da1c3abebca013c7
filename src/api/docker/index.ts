export { dockerApiHandler } from './server.js';
export type { DaemonIdentity } from './system.js';
export { API_VERSION, MIN_API_VERSION } from './version.js';
