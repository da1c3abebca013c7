import path from 'node:path';
import { invalidArgument } from '../lib/index.js';
import { parseMemory } from './units.js';

/** Docker's mount.Mount as the create body carries it (HostConfig.Mounts). */
export interface MountBody {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> }; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

function parseBoolean(flag: string, key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  switch (value.toLowerCase()) {
    case '1':
    case 'true':
      return true;
    case '0':
    case 'false':
      return false;
    default:
      throw invalidArgument(`${flag}: invalid value for '${key}': ${JSON.stringify(value)} (use true or false)`);
  }
}

function keyValue(flag: string, key: string, value: string | undefined): [string, string] {
  const [k = '', v] = (value ?? '').split(/=(.*)/s, 2);
  if (k === '' || v === undefined) throw invalidArgument(`${flag}: invalid value for '${key}': ${JSON.stringify(value ?? '')} (use key=value)`);
  return [k, v];
}

/**
 * One `--mount` value, as the docker CLI reads it: comma-separated `key=value` fields
 * (a field holding a comma is quoted: `"volume-opt=o=size=1m,uid=1000"`). Errors name the
 * field at fault.
 */
export function parseMountFlag(value: string): MountBody {
  const flag = `--mount ${JSON.stringify(value)}`;
  const mount: MountBody = { Type: 'volume' };
  let typeGiven = false;
  const bind = (): NonNullable<MountBody['BindOptions']> => (mount.BindOptions ??= {});
  const volume = (): NonNullable<MountBody['VolumeOptions']> => (mount.VolumeOptions ??= {});
  const tmpfs = (): NonNullable<MountBody['TmpfsOptions']> => (mount.TmpfsOptions ??= {});
  for (const field of splitFields(value, flag)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    const need = (): string => {
      if (val === undefined) throw invalidArgument(`${flag}: invalid field '${field}' must be a key=value pair`);
      return val;
    };
    switch (key) {
      case 'type':
        mount.Type = need();
        typeGiven = true;
        if (!['bind', 'volume', 'tmpfs'].includes(mount.Type)) throw invalidArgument(`${flag}: invalid value for 'type': ${JSON.stringify(mount.Type)} (use bind, volume or tmpfs)`);
        break;
      case 'source':
      case 'src':
        mount.Source = need();
        break;
      case 'target':
      case 'dst':
      case 'destination':
        mount.Target = need();
        break;
      case 'readonly':
      case 'ro':
        mount.ReadOnly = parseBoolean(flag, key, val);
        break;
      case 'consistency':
        mount.Consistency = need();
        break;
      case 'bind-propagation':
        bind().Propagation = need();
        break;
      case 'bind-nonrecursive':
        bind().NonRecursive = parseBoolean(flag, key, val);
        break;
      case 'bind-recursive': {
        const v = need();
        if (v !== 'enabled' && v !== 'disabled') throw invalidArgument(`${flag}: invalid value for 'bind-recursive': ${JSON.stringify(v)} (use enabled or disabled)`);
        if (v === 'disabled') bind().NonRecursive = true;
        break;
      }
      case 'bind-create-mountpoint':
        bind().CreateMountpoint = parseBoolean(flag, key, val);
        break;
      case 'volume-nocopy':
        volume().NoCopy = parseBoolean(flag, key, val);
        break;
      case 'volume-driver':
        (volume().DriverConfig ??= {}).Name = need();
        break;
      case 'volume-opt': {
        const [k, v] = keyValue(flag, key, val);
        ((volume().DriverConfig ??= {}).Options ??= {})[k] = v;
        break;
      }
      case 'volume-label': {
        const [k, v] = keyValue(flag, key, val);
        (volume().Labels ??= {})[k] = v;
        break;
      }
      case 'volume-subpath':
        volume().Subpath = need();
        break;
      case 'tmpfs-size': {
        const v = need();
        let size: number;
        try {
          size = parseMemory(v);
        } catch {
          throw invalidArgument(`${flag}: invalid value for 'tmpfs-size': ${JSON.stringify(v)} (use a size such as 64m)`);
        }
        tmpfs().SizeBytes = size;
        break;
      }
      case 'tmpfs-mode': {
        const v = need();
        if (!/^[0-7]{1,4}$/.test(v)) throw invalidArgument(`${flag}: invalid value for 'tmpfs-mode': ${JSON.stringify(v)} (use octal permission bits such as 1770)`);
        tmpfs().Mode = parseInt(v, 8);
        break;
      }
      default:
        throw invalidArgument(`${flag}: unexpected key '${key}' in '${field}'`);
    }
  }
  if (!typeGiven) mount.Type = 'volume';
  if (mount.Target === undefined || mount.Target === '') throw invalidArgument(`${flag}: target is required`);
  if (mount.BindOptions && mount.Type !== 'bind') throw invalidArgument(`${flag}: cannot mix 'bind-*' options with mount type '${mount.Type}'`);
  if (mount.VolumeOptions && mount.Type !== 'volume') throw invalidArgument(`${flag}: cannot mix 'volume-*' options with mount type '${mount.Type}'`);
  if (mount.TmpfsOptions && mount.Type !== 'tmpfs') throw invalidArgument(`${flag}: cannot mix 'tmpfs-*' options with mount type '${mount.Type}'`);
  if (mount.Type === 'bind' && mount.Source !== undefined) mount.Source = absolute(mount.Source);
  return mount;
}

/** Splits CSV fields; double quotes group a field that holds commas (as encoding/csv). */
function splitFields(value: string, flag: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw invalidArgument(`${flag}: unbalanced quotes`);
  fields.push(current);
  return fields.filter((f) => f !== '');
}

const absolute = (p: string): string => (p.startsWith('/') ? p : path.resolve(p));

/**
 * `-v` values as the docker CLI sends them: `/path` alone asks for an anonymous volume
 * (Config.Volumes), anything with a source is a bind (HostConfig.Binds), a relative host
 * path (`./data:/data`) made absolute.
 */
export function splitVolumeFlags(values: readonly string[]): { binds: string[]; volumes: string[] } {
  const binds: string[] = [];
  const volumes: string[] = [];
  for (const v of values) {
    if (!v.includes(':')) {
      volumes.push(v);
      continue;
    }
    const colon = v.indexOf(':');
    const source = v.slice(0, colon);
    binds.push(source === '.' || source === '..' || source.startsWith('./') || source.startsWith('../') || source.startsWith('~') ? `${absolute(source.replace(/^~(?=\/|$)/, process.env['HOME'] ?? '~'))}${v.slice(colon)}` : v);
  }
  return { binds, volumes };
}

/** `--tmpfs /path[:options]` values → HostConfig.Tmpfs. */
export function parseTmpfsFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const colon = v.indexOf(':');
    const dest = colon < 0 ? v : v.slice(0, colon);
    if (dest === '') throw invalidArgument(`--tmpfs ${JSON.stringify(v)}: a destination path is required`);
    out[dest] = colon < 0 ? '' : v.slice(colon + 1);
  }
  return out;
}
