export type { RegistryClientOptions, RegistryRequest } from './client.js';
export { RegistryClient, registryEndpointHost, schemesFor } from './client.js';
export type { CredentialSources, Credentials } from './credentials.js';
export {
  berthAuthFile,
  lookupCredentials,
  removeCredentials,
  saveCredentials,
} from './credentials.js';
export type { RegistryDistributionOptions } from './distribution.js';
export { registryDistribution } from './distribution.js';
export { pullImage } from './pull.js';
export { pushImage } from './push.js';
export type { Challenge } from './www-authenticate.js';
export { parseWwwAuthenticate } from './www-authenticate.js';
