import { invalidArgument } from '../../lib/index.js';
import { readRootfsText } from './rootfs-file.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 0xfffffffe;

function parseId(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name = '', , uid = '', gid = '', , home = ''] = line.split(':');
    const u = parseId(uid);
    const g = parseId(gid);
    if (name !== '' && u !== undefined && g !== undefined) out.push({ name, uid: u, gid: g, home });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name = '', , gid = '', members = ''] = line.split(':');
    const g = parseId(gid);
    if (name !== '' && g !== undefined) out.push({ name, gid: g, members: members.split(',').map((m) => m.trim()).filter((m) => m !== '') });
  }
  return out;
}

/**
 * `user[:group]` (names or numbers) against the image's /etc/passwd and /etc/group, as
 * Docker resolves it at start: a name must exist ("unable to find user x"), a number need
 * not; the primary group is the passwd entry's unless a group is given; supplementary
 * groups are those listing the user as a member.
 */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const users = parsePasswd(passwd ?? '');
  const groups = parseGroup(group ?? '');
  const wantedUid = parseId(userPart);
  let entry: PasswdEntry | undefined;
  if (userPart === '') entry = users.find((u) => u.uid === 0);
  else if (wantedUid !== undefined) entry = users.find((u) => u.uid === wantedUid);
  else {
    entry = users.find((u) => u.name === userPart);
    if (entry === undefined) throw invalidArgument(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  const uid = wantedUid ?? entry?.uid ?? 0;
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    const wantedGid = parseId(groupPart);
    if (wantedGid !== undefined) gid = wantedGid;
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (g === undefined) throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const additional = entry === undefined ? [] : groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid);
  return { uid, gid, additionalGids: [...new Set(additional)], home: entry?.home || '/' };
}

/** resolveUser reading the files from a root filesystem. */
export async function resolveUserInRootfs(rootfs: string, spec: string): Promise<ResolvedUser> {
  const [passwd, group] = await Promise.all([readRootfsText(rootfs, '/etc/passwd'), readRootfsText(rootfs, '/etc/group')]);
  return resolveUser(spec, passwd, group);
}
