import { readFileSync } from 'node:fs';
import { invalidArgument, isErrno } from '../../lib/index.js';
import { resolveScoped, type Owner } from './scoped.js';

const MAX_ID = 0xfffffffe;

/**
 * Resolves `--chown=user[:group]` as Docker's classic builder does: numbers are taken as
 * they are; names are looked up in the target root's /etc/passwd and /etc/group (found
 * through symlinks scoped to that root). Without `:group` the user part names the group
 * too (a group named like the user, not the user's primary group).
 */
export function resolveChown(chown: string, targetRoot: string): Owner {
  const parts = chown.split(':');
  if (parts.length > 2 || chown === '') throw invalidArgument(`invalid chown string format: ${chown}`);
  const user = parts[0] as string;
  const group = parts.length === 2 ? (parts[1] as string) : user;
  const uid = lookup(user, 'user', targetRoot);
  const gid = lookup(group, 'group', targetRoot);
  return { uid, gid };
}

function lookup(name: string, what: 'user' | 'group', targetRoot: string): number {
  const numeric = parseId(name);
  if (numeric !== null) return numeric;
  const file = what === 'user' ? 'passwd' : 'group';
  const prefix = `unable to convert uid/gid chown string to host mapping: can't find ${what === 'user' ? 'uid for user' : 'gid for group'} ${name}`;
  if (name === '') throw invalidArgument(`${prefix}: empty ${what} name`);
  let text: string;
  try {
    text = readFileSync(resolveScoped(targetRoot, `/etc/${file}`), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) {
      throw invalidArgument(`${prefix}: open /etc/${file}: ${isErrno(err, 'EISDIR') ? 'is a directory' : 'no such file or directory'}`, err);
    }
    throw err;
  }
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':');
    if (fields[0] !== name || fields.length < 3) continue;
    const id = parseId(fields[2] as string);
    if (id !== null) return id;
  }
  throw invalidArgument(`${prefix}: no such ${what}: ${name}`);
}

/** A decimal id as Go's strconv.Atoi takes it (a sign allowed, negatives refused). */
function parseId(text: string): number | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const id = Number(text);
  if (id < 0 || id > MAX_ID) throw invalidArgument(`chown id ${text} is out of range`);
  return id;
}

/** Parses `--chmod`: octal permission bits, as BuildKit takes them. */
export function parseChmod(chmod: string): number {
  if (!/^[0-7]{1,4}$/.test(chmod)) throw invalidArgument(`invalid chmod parameter: ${JSON.stringify(chmod)}: expected an octal mode such as 755`);
  return parseInt(chmod, 8);
}
