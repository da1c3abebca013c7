import fs from 'node:fs';
import bcrypt from 'bcryptjs';
import { invalidArgument } from '../../lib/index.js';

/** Users of an htpasswd file: name → bcrypt hash. */
export type HtpasswdUsers = ReadonlyMap<string, string>;

const bcryptHash = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/**
 * Parses `user:hash` lines (blank lines and `#` comments skipped). Only bcrypt hashes are
 * accepted, as distribution does: any other scheme fails with the line that holds it.
 */
export function parseHtpasswd(text: string, source = 'htpasswd'): HtpasswdUsers {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const where = `${source}:${index + 1}`;
    if (colon <= 0) throw invalidArgument(`${where}: expected user:hash`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!bcryptHash.test(hash)) throw invalidArgument(`${where}: user ${JSON.stringify(user)} has no bcrypt hash ($2y$, $2a$ or $2b$); create it with htpasswd -B`);
    users.set(user, hash);
  });
  return users;
}

export function readHtpasswd(file: string): HtpasswdUsers {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw invalidArgument(`cannot read htpasswd file ${file}: ${(err as Error).message}`, err);
  }
  return parseHtpasswd(text, file);
}

// Compared against for unknown users too, so timing does not tell which users exist.
const decoyHash = '$2b$05$CPZUCUIzyIqRtRm7HF7.UOtYExZT8lEDIZ8M8DQVf5cpt19agHQK2';

/** True when `password` matches the user's hash. */
export async function verifyPassword(users: HtpasswdUsers, user: string, password: string): Promise<boolean> {
  const hash = users.get(user);
  // bcryptjs knows $2a$/$2b$; $2y$ is the same algorithm under PHP's name.
  const matched = await bcrypt.compare(password, (hash ?? decoyHash).replace(/^\$2y\$/, '$2b$'));
  return hash !== undefined && matched;
}
