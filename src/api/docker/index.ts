export { dockerApi, dockerApiHandler, type DockerApi, type DockerApiOptions, type UpgradeListener } from './server.js';
export type { DaemonIdentity } from './system.js';
export { API_VERSION, MIN_API_VERSION } from './version.js';
