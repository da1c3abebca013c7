import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalidArgument } from '../../lib/index.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Where credentials are read from; the environment and home directory by default. */
export interface CredentialSources {
  env?: NodeJS.ProcessEnv;
  home?: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  [key: string]: unknown;
}

const dockerHubKey = 'https://index.docker.io/v1/';

/** berth's own credentials file: `$BERTH_CONFIG` or `~/.config/berth/auth.json`. */
export function berthAuthFile(sources: CredentialSources = {}): string {
  const env = sources.env ?? process.env;
  return env['BERTH_CONFIG'] ?? path.join(sources.home ?? os.homedir(), '.config', 'berth', 'auth.json');
}

function dockerConfigFile(sources: CredentialSources): string {
  const env = sources.env ?? process.env;
  const dir = env['DOCKER_CONFIG'] ?? path.join(sources.home ?? os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** The keys a host may be stored under (Docker Hub's legacy URL for docker.io). */
function keysFor(host: string): string[] {
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io') {
    return [dockerHubKey, 'index.docker.io', 'docker.io', 'registry-1.docker.io', 'https://registry-1.docker.io'];
  }
  return [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
}

/** The key `berth login HOST` stores under: Docker Hub keeps Docker's legacy URL. */
export function storageKey(host: string): string {
  return keysFor(host)[0] ?? host;
}

function readAuthFile(file: string): AuthFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as AuthFile) : {};
  } catch (err) {
    throw invalidArgument(`${file} is not valid JSON`, err);
  }
}

function fromEntry(entry: { auth?: string; username?: string; password?: string } | undefined): Credentials | undefined {
  if (!entry) return undefined;
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Credentials for a registry host from berth's file, then Docker's `config.json`. */
export function lookupCredentials(host: string, sources: CredentialSources = {}): Credentials | undefined {
  for (const file of [berthAuthFile(sources), dockerConfigFile(sources)]) {
    const auths = readAuthFile(file).auths ?? {};
    for (const key of keysFor(host)) {
      const found = fromEntry(auths[key]);
      if (found) return found;
    }
  }
  return undefined;
}

function writeAuthFile(file: string, content: AuthFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(temp, 0o600);
  fs.renameSync(temp, file);
}

/** Stores credentials for a host in berth's file (mode 0600). */
export function saveCredentials(host: string, credentials: Credentials, sources: CredentialSources = {}): void {
  const file = berthAuthFile(sources);
  const content = readAuthFile(file);
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  content.auths = { ...(content.auths ?? {}), [storageKey(host)]: { auth } };
  writeAuthFile(file, content);
}

/** Forgets a host's credentials in berth's file; false when there were none. */
export function removeCredentials(host: string, sources: CredentialSources = {}): boolean {
  const file = berthAuthFile(sources);
  const content = readAuthFile(file);
  const auths = { ...(content.auths ?? {}) };
  let removed = false;
  for (const key of keysFor(host)) {
    if (key in auths) {
      delete auths[key];
      removed = true;
    }
  }
  if (removed) writeAuthFile(file, { ...content, auths });
  return removed;
}
