import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BerthError, invalidArgument } from '../../lib/index.js';

const run = promisify(execFile);

const VALID = new Set(['type', 'device', 'o', 'size']);
/** Each option that needs others, as Docker's local driver has it. */
const REQUIRES: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };
/** File systems that would reach other machines: berth keeps its traffic on this one. */
const NETWORK_TYPES = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ceph', 'glusterfs', 'sshfs', 'fuse.sshfs', '9p']);

/** Checks the local driver's options (`type`, `device`, `o`), as Docker's validates them. */
export function checkDriverOptions(options: Record<string, string> | undefined): void {
  if (options === undefined) return;
  for (const key of Object.keys(options)) if (!VALID.has(key)) throw invalidArgument(`invalid option: ${JSON.stringify(key)}`);
  if (options['size'] !== undefined) throw invalidArgument('quota size requested but no quota support');
  for (const [key, needed] of Object.entries(REQUIRES)) {
    if (options[key] === undefined) continue;
    for (const other of needed) if (options[other] === undefined) throw invalidArgument(`missing required option: ${JSON.stringify(other)}`);
  }
  const type = options['type'];
  if (type !== undefined && NETWORK_TYPES.has(type)) {
    throw invalidArgument(`volume option type=${type}: network file systems are not supported (berth keeps traffic on this machine)`);
  }
}

/** Whether a volume's data directory is a mount of its own (`type`/`device` given). */
export const needsMount = (options: Record<string, string> | null): boolean => options !== null && (options['type'] !== undefined || options['device'] !== undefined);

/** `mount -t TYPE -o O DEVICE TARGET` (type=none o=bind for a bind of a host directory). */
export async function mountVolume(options: Record<string, string>, target: string): Promise<void> {
  const args = ['-t', options['type'] ?? 'none', ...(options['o'] ? ['-o', options['o']] : []), options['device'] ?? '', target];
  try {
    await run('mount', args, { timeout: 60_000 });
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    throw new BerthError('internal', `failed to mount local volume: mount ${args.join(' ')}: ${typeof stderr === 'string' ? stderr.trim() : String(err)}`, { cause: err });
  }
}
