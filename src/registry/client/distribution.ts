import type { Distribution, RegistryAuth } from '../../engine/index.js';
import { parseReference } from '../../oci/index.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';
import type { Credentials } from './credentials.js';
import { pullImage } from './pull.js';
import { pushImage } from './push.js';

export interface RegistryDistributionOptions {
  insecureRegistries?: readonly string[];
  lookup?: RegistryClientOptions['lookup'];
}

function credentialsOf(auth: RegistryAuth | undefined): Credentials | undefined {
  return auth?.username ? { username: auth.username, password: auth.password ?? '' } : undefined;
}

/** The engine's Distribution over registry clients: one client (and token cache) per call. */
export function registryDistribution(options: RegistryDistributionOptions = {}): Distribution {
  const clientFor = (reference: string, auth: RegistryAuth | undefined): RegistryClient => {
    const credentials = credentialsOf(auth);
    return new RegistryClient(parseReference(reference).domain, {
      ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(credentials ? { credentials } : {}),
    });
  };
  return {
    pull: (reference, store, pullOptions, progress) =>
      pullImage(clientFor(reference, pullOptions.auth), reference, store, pullOptions, progress),
    login: (server, auth) =>
      new RegistryClient(server, {
        ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
        // Only the credentials given are checked, never stored ones.
        lookup: () => undefined,
        ...(auth.username ? { credentials: { username: auth.username, password: auth.password ?? '' } } : {}),
      }).login(),
    push: (reference, content, manifest, pushOptions, progress) =>
      pushImage(clientFor(reference, pushOptions.auth), reference, content, manifest, progress),
  };
}
