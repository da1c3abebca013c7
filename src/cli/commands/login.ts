import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import type { CommandContext } from '../context.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `docker.io` for Docker Hub's many spellings; otherwise the host as given. */
function registryHost(server: string | undefined): string {
  const host = (server ?? 'docker.io').replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/**
 * `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`: checks the credentials
 * against the registry (GET /v2/ through its auth flow), then stores them, mode 0600.
 */
export async function login(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('login', ctx.args, {
    username: { type: 'string', short: 'u' },
    password: { type: 'string', short: 'p' },
    'password-stdin': { type: 'boolean' },
  });
  if (positionals.length > 1) throw invalidArgument('login: usage: berth login [-u USER] [-p PASS | --password-stdin] [SERVER]');
  const host = registryHost(positionals[0]);
  const username = values.username;
  if (!username) throw invalidArgument('login: --username is required');
  if (values.password !== undefined && values['password-stdin']) throw invalidArgument('login: --password and --password-stdin are exclusive');
  const password = values['password-stdin'] ? await readStdin() : values.password;
  if (!password) throw invalidArgument('login: give the password with --password or --password-stdin');
  // Lazy: only this verb needs the registry client.
  const { RegistryClient, saveCredentials } = await import('../../registry/client/index.js');
  await new RegistryClient(host, { credentials: { username, password } }).ping();
  saveCredentials(host, { username, password });
  ctx.out('Login Succeeded\n');
}

/** `berth logout [SERVER]`: forgets the stored credentials. */
export async function logout(ctx: CommandContext): Promise<void> {
  const { positionals } = parseVerbArgs('logout', ctx.args, {});
  const host = registryHost(positionals[0]);
  const { removeCredentials } = await import('../../registry/client/index.js');
  ctx.out(removeCredentials(host) ? `Removing login credentials for ${host}\n` : `Not logged in to ${host}\n`);
}
