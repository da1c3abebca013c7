import { invalidArgument } from '../lib/index.js';

/** `docker run -p` specs → Docker's ExposedPorts keys and HostConfig.PortBindings. */
export interface PortSpecs {
  exposed: string[];
  bindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
}

function range(text: string, spec: string, what: string, lowest = 1): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start < lowest || end > 65535 || end < start) throw invalidArgument(`invalid ${what} in -p ${JSON.stringify(spec)}: ${JSON.stringify(text)}`);
  return [start, end];
}

/**
 * One `-p` value: `[IP:][HOST:]CONTAINER[/PROTO]`, ports or equal-length ranges
 * (`8000-8001:80-81`), IPv6 host addresses in brackets; an empty host port (`IP::80`)
 * asks for a free one.
 */
export function parsePortSpec(spec: string): Array<{ key: string; hostIp: string; hostPort: string }> {
  const slash = spec.lastIndexOf('/');
  const proto = slash >= 0 ? spec.slice(slash + 1).toLowerCase() : 'tcp';
  const rest = slash >= 0 ? spec.slice(0, slash) : spec;
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw invalidArgument(`invalid proto in -p ${JSON.stringify(spec)}: ${JSON.stringify(proto)}`);
  let hostIp = '';
  let remainder = rest;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) {
    hostIp = v6[1] ?? '';
    remainder = v6[2] ?? '';
  }
  const parts = remainder.split(':');
  let hostPart = '';
  let containerPart: string;
  if (v6) {
    if (parts.length !== 2) throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: expected [IP]:HOST:CONTAINER`);
    [hostPart = '', containerPart = ''] = parts;
  } else if (parts.length === 1) {
    containerPart = parts[0] ?? '';
  } else if (parts.length === 2) {
    [hostPart = '', containerPart = ''] = parts;
  } else if (parts.length === 3) {
    [hostIp = '', hostPart = '', containerPart = ''] = parts;
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) throw invalidArgument(`invalid IP address in -p ${JSON.stringify(spec)}: ${JSON.stringify(hostIp)}`);
  } else {
    throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: expected [IP:][HOST:]CONTAINER[/PROTO]`);
  }
  const [cStart, cEnd] = range(containerPart, spec, 'container port');
  // Host port 0, as an empty one, asks for a free port.
  const host = hostPart === '' ? undefined : range(hostPart, spec, 'host port', 0);
  const count = cEnd - cStart + 1;
  if (host !== undefined && host[1] - host[0] + 1 !== count && count !== 1) {
    throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: host and container port ranges differ in size`);
  }
  const out: Array<{ key: string; hostIp: string; hostPort: string }> = [];
  for (let i = 0; i < count; i++) {
    let hostPort = '';
    if (host !== undefined) hostPort = count === 1 && host[0] !== host[1] ? `${host[0]}-${host[1]}` : String(host[0] + i);
    out.push({ key: `${cStart + i}/${proto}`, hostIp, hostPort });
  }
  return out;
}

/** Every `-p` and `--expose` of a command line, merged as the docker CLI merges them. */
export function parsePortSpecs(publish: readonly string[], expose: readonly string[] = []): PortSpecs {
  const bindings: PortSpecs['bindings'] = {};
  const exposed = new Set<string>();
  for (const spec of publish) {
    for (const p of parsePortSpec(spec)) {
      exposed.add(p.key);
      (bindings[p.key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
    }
  }
  for (const e of expose) {
    const slash = e.lastIndexOf('/');
    const proto = slash >= 0 ? e.slice(slash + 1).toLowerCase() : 'tcp';
    const [start, end] = range(slash >= 0 ? e.slice(0, slash) : e, e, 'port in --expose');
    for (let p = start; p <= end; p++) exposed.add(`${p}/${proto}`);
  }
  return { exposed: [...exposed], bindings };
}
