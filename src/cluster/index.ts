export { startClusterServer, kubeconfigFor, defaultDatastore, adminGroup, nodesGroup, viewersGroup, type ClusterServerOptions, type RunningClusterServer } from './apiserver/index.js';
