import { invalidArgument } from '../../lib/index.js';
import type { ContainerConfig } from '../../oci/index.js';

/**
 * Applies `docker import --change` instructions to an image's execution defaults. Only the
 * instructions Docker accepts there; values use Dockerfile syntax (JSON or shell form).
 */
export function applyChanges(base: ContainerConfig, changes: string[]): ContainerConfig {
  const config: ContainerConfig = structuredClone(base);
  for (const change of changes) {
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(change);
    if (!match) throw invalidArgument(`change ${JSON.stringify(change)}: expected "INSTRUCTION arguments"`);
    const instruction = (match[1] ?? '').toUpperCase();
    const rest = (match[2] ?? '').trim();
    switch (instruction) {
      case 'CMD':
        config.Cmd = commandForm(rest, change);
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = commandForm(rest, change);
        break;
      case 'ENV':
        for (const [key, value] of keyValues(rest, change)) {
          config.Env = [...(config.Env ?? []).filter((e) => !e.startsWith(`${key}=`)), `${key}=${value}`];
        }
        break;
      case 'LABEL':
        config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(keyValues(rest, change)) };
        break;
      case 'EXPOSE':
        for (const port of rest.split(/\s+/).filter(Boolean)) {
          if (!/^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/i.test(port)) {
            throw invalidArgument(`change ${JSON.stringify(change)}: invalid port ${JSON.stringify(port)}`);
          }
          const key = port.includes('/') ? port.toLowerCase() : `${port}/tcp`;
          config.ExposedPorts = { ...(config.ExposedPorts ?? {}), [key]: {} };
        }
        break;
      case 'VOLUME':
        for (const volume of listForm(rest)) config.Volumes = { ...(config.Volumes ?? {}), [volume]: {} };
        break;
      case 'USER':
        config.User = rest;
        break;
      case 'WORKDIR':
        config.WorkingDir = rest.startsWith('/') ? rest : `${config.WorkingDir ?? '/'}/${rest}`.replace(/\/+/g, '/');
        break;
      case 'STOPSIGNAL':
        config.StopSignal = rest;
        break;
      case 'ONBUILD':
        config.OnBuild = [...(config.OnBuild ?? []), rest];
        break;
      default:
        throw invalidArgument(
          `change ${JSON.stringify(change)}: ${instruction} is not allowed (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)`,
        );
    }
    if (!rest) throw invalidArgument(`change ${JSON.stringify(change)}: ${instruction} needs an argument`);
  }
  return config;
}

/** JSON form `["a","b"]` as is; shell form runs under `/bin/sh -c`, as Dockerfiles do. */
function commandForm(rest: string, change: string): string[] {
  if (rest.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rest);
    } catch {
      throw invalidArgument(`change ${JSON.stringify(change)}: invalid JSON array`);
    }
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
      throw invalidArgument(`change ${JSON.stringify(change)}: expected a JSON array of strings`);
    }
    return parsed;
  }
  return ['/bin/sh', '-c', rest];
}

function listForm(rest: string): string[] {
  if (rest.startsWith('[')) {
    const parsed: unknown = JSON.parse(rest);
    if (Array.isArray(parsed)) return parsed.map(String);
  }
  return rest.split(/\s+/).filter(Boolean);
}

/** `K=V K2="v 2"`, or the legacy single pair `K V`. */
function keyValues(rest: string, change: string): Array<[string, string]> {
  if (!rest.includes('=')) {
    const [key = '', ...value] = rest.split(/\s+/);
    if (!key || value.length === 0) throw invalidArgument(`change ${JSON.stringify(change)}: expected KEY=VALUE`);
    return [[key, value.join(' ')]];
  }
  const pairs: Array<[string, string]> = [];
  const pattern = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let consumed = '';
  for (const m of rest.matchAll(pattern)) {
    let value = m[2] ?? '';
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value.startsWith("'")) value = value.slice(1, -1);
    pairs.push([m[1] ?? '', value]);
    consumed += m[0];
  }
  if (consumed.replace(/\s/g, '').length !== rest.replace(/\s/g, '').length) {
    throw invalidArgument(`change ${JSON.stringify(change)}: expected KEY=VALUE pairs`);
  }
  return pairs;
}
