export { startClusterServer, kubeconfigFor, defaultDatastore, type ClusterServerOptions, type RunningClusterServer } from './server.js';
export { adminGroup, nodesGroup, viewersGroup } from './auth.js';
