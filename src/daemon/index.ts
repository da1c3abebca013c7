export { runDaemon, type DaemonOptions } from './daemon.js';
export { startLocalApi } from './local.js';
export { startApiServer, type ApiServerOptions, type RunningApiServer } from './serve.js';
export { berthVersion } from './version.js';
export { runClusterServer, kubeconfigFor } from './cluster.js';
