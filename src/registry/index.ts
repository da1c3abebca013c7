export type { RegistryErrorCode } from './errors.js';
export { RegistryError, statusOf } from './errors.js';
export { isValidRepositoryName } from './names.js';
export type { PageRequest, PushedManifest, Referrers, RegistryGcResult, StoredManifest } from './registry.js';
export { Registry, blobGraceMs, maxManifestBytes, openRegistry } from './registry.js';
export { registryHandler } from './http.js';
export type { RegistryServerOptions, RunningRegistry } from './server.js';
export { parseAddr, startRegistryServer } from './server.js';
export * from './client/index.js';
