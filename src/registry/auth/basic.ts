import type { RegistryAuth } from './access.js';
import { basicCredentials } from './credentials.js';
import { verifyPassword, type HtpasswdUsers } from './htpasswd.js';

export const basicRealm = 'berth-registry';

/** `--auth htpasswd:FILE`: every endpoint, `/v2/` included, needs a user of the file; users may do everything. */
export function basicAuth(users: HtpasswdUsers): RegistryAuth {
  const challenge = `Basic realm="${basicRealm}"`;
  return {
    async authorize(headers) {
      const creds = basicCredentials(headers);
      if (!creds) return { refusal: { challenge, message: 'authentication required' } };
      if (!(await verifyPassword(users, creds.username, creds.password))) {
        return { refusal: { challenge, message: 'invalid username or password' } };
      }
      return { identity: { subject: creds.username, allows: () => true } };
    },
  };
}
