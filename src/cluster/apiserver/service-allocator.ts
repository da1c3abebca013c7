import { randomInt } from 'node:crypto';
import { isAlreadyExists, isNotFound, invalidArgument } from '../../lib/index.js';
import type { Store } from '../storage/index.js';
import { invalidError } from './status.js';
import type { KubeObject } from './types/index.js';

/**
 * Cluster IPs and node ports of Services, as Kubernetes' allocators hand them out: each
 * one claimed by creating a key of its own (`/registry/ranges/serviceips/<ip>`,
 * `…/servicenodeports/<port>`), so two creates never get the same one, and released when
 * the Service goes. The IPv4 range is `--service-cluster-ip-range` (its first address is
 * kept for the API server, as Kubernetes keeps it for the `kubernetes` service).
 */
export class ServiceAllocator {
  private readonly base: number;
  private readonly size: number;

  constructor(
    private readonly store: Store,
    cidr: string,
    private readonly nodePorts: { min: number; max: number },
  ) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    const bits = Number(m?.[5]);
    if (!m || bits < 12 || bits > 28 || m.slice(1, 5).some((o) => Number(o) > 255)) throw invalidArgument(`service cluster IP range ${JSON.stringify(cidr)}: expected an IPv4 CIDR from /12 to /28`);
    this.size = 2 ** (32 - bits);
    const address = ipToNumber(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`) ?? 0;
    this.base = address - (address % this.size);
    if (nodePorts.min < 1 || nodePorts.max > 65535 || nodePorts.min > nodePorts.max) throw invalidArgument(`service node port range ${nodePorts.min}-${nodePorts.max} is not a port range`);
  }

  /** The range's first address, kept for the `kubernetes` Service of the API server. */
  apiServerIp(): string {
    return numberToIp(this.base + 1);
  }

  /** Fills in and claims the IPs and node ports a new Service needs; returns how to undo it. */
  async allocate(svc: KubeObject): Promise<() => Promise<void>> {
    const claimed: string[] = [];
    const release = async (): Promise<void> => {
      for (const key of claimed) await this.store.delete(key).catch(() => undefined);
    };
    const spec = (svc.spec ??= {}) as KubeObject;
    const name = String(svc.metadata?.name ?? '');
    try {
      if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
        const wanted = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : undefined;
        const ip = wanted ? await this.claimIp(wanted, name, claimed) : await this.freeIp(claimed);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        for (const [i, port] of ((spec.ports ?? []) as KubeObject[]).entries()) {
          if (typeof port.nodePort === 'number' && port.nodePort !== 0) await this.claimPort(port.nodePort, name, i, claimed);
          else port.nodePort = await this.freePort(claimed);
        }
      }
      return release;
    } catch (err) {
      await release();
      throw err;
    }
  }

  /**
   * An update of a Service: claims what the new form needs that the old one did not hold
   * (node ports once the type asks for them, a cluster IP once it is no longer an
   * ExternalName). `undo` gives the new claims back (the write failed); `commit` releases
   * what only the old form held (the write succeeded).
   */
  async reallocate(old: KubeObject, next: KubeObject): Promise<{ undo: () => Promise<void>; commit: () => Promise<void> }> {
    const claimed: string[] = [];
    const undo = async (): Promise<void> => {
      for (const key of claimed) await this.store.delete(key).catch(() => undefined);
    };
    const spec = (next.spec ??= {}) as KubeObject;
    const name = String(next.metadata?.name ?? '');
    const held = new Set(heldKeys(old));
    try {
      if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && (spec.clusterIP === undefined || spec.clusterIP === '')) {
        const ip = await this.freeIp(claimed);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      if (spec.type === 'ExternalName') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      for (const [i, port] of ((spec.ports ?? []) as KubeObject[]).entries()) {
        if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') delete port.nodePort;
        else if (typeof port.nodePort !== 'number' || port.nodePort === 0) port.nodePort = await this.freePort(claimed);
        else if (!held.has(portKey(port.nodePort))) await this.claimPort(port.nodePort, name, i, claimed);
      }
    } catch (err) {
      await undo();
      throw err;
    }
    const kept = new Set(heldKeys(next));
    const commit = async (): Promise<void> => {
      for (const key of held) if (!kept.has(key)) await this.store.delete(key).catch(ignoreMissing);
    };
    return { undo, commit };
  }

  /** Gives back what a deleted Service held. */
  async release(svc: KubeObject): Promise<void> {
    for (const key of heldKeys(svc)) await this.store.delete(key).catch(ignoreMissing);
  }

  private async claimIp(ip: string, name: string, claimed: string[]): Promise<string> {
    const n = ipToNumber(ip);
    if (n === undefined || n <= this.base || n >= this.base + this.size - 1) {
      throw invalidError('Service', '', name, [{ field: 'spec.clusterIPs', reason: 'FieldValueInvalid', message: `Invalid value: []string{${JSON.stringify(ip)}}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${numberToIp(this.base)}/${32 - Math.log2(this.size)}` }]);
    }
    if (!(await this.claim(ipKey(ip), claimed))) {
      throw invalidError('Service', '', name, [{ field: 'spec.clusterIPs', reason: 'FieldValueInvalid', message: `Invalid value: []string{${JSON.stringify(ip)}}: failed to allocate IP ${ip}: provided IP is already allocated` }]);
    }
    return ip;
  }

  private async freeIp(claimed: string[]): Promise<string> {
    // Addresses 0 (network), 1 (the API server) and the last (broadcast) are never handed out.
    const usable = this.size - 3;
    const start = randomInt(usable);
    for (let i = 0; i < usable; i++) {
      const ip = numberToIp(this.base + 2 + ((start + i) % usable));
      if (await this.claim(ipKey(ip), claimed)) return ip;
    }
    throw invalidError('Service', '', '', [{ field: 'spec.clusterIPs', reason: 'FieldValueInvalid', message: 'Internal error: failed to allocate a serviceIP: range is full' }]);
  }

  private async claimPort(port: number, name: string, index: number, claimed: string[]): Promise<void> {
    const field = `spec.ports[${index}].nodePort`;
    if (port < this.nodePorts.min || port > this.nodePorts.max) {
      throw invalidError('Service', '', name, [{ field, reason: 'FieldValueInvalid', message: `Invalid value: ${port}: provided port is not in the valid range. The range of valid ports is ${this.nodePorts.min}-${this.nodePorts.max}` }]);
    }
    if (!(await this.claim(portKey(port), claimed))) throw invalidError('Service', '', name, [{ field, reason: 'FieldValueInvalid', message: `Invalid value: ${port}: provided port is already allocated` }]);
  }

  private async freePort(claimed: string[]): Promise<number> {
    const count = this.nodePorts.max - this.nodePorts.min + 1;
    const start = randomInt(count);
    for (let i = 0; i < count; i++) {
      const port = this.nodePorts.min + ((start + i) % count);
      if (await this.claim(portKey(port), claimed)) return port;
    }
    throw invalidError('Service', '', '', [{ field: 'spec.ports', reason: 'FieldValueInvalid', message: 'Internal error: failed to allocate a nodePort: range is full' }]);
  }

  private async claim(key: string, claimed: string[]): Promise<boolean> {
    try {
      await this.store.create(key, Buffer.from('{}'));
      claimed.push(key);
      return true;
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      throw err;
    }
  }
}

/**
 * A Service whose type no longer asks for node ports loses the ones it kept from before,
 * and its externalTrafficPolicy, as Kubernetes drops type-dependent fields on update
 * (values the client changed itself stay, for validation to judge).
 */
export function dropTypeDependentFields(old: KubeObject, next: KubeObject): void {
  const external = (t: unknown): boolean => t === 'NodePort' || t === 'LoadBalancer';
  if (!external(old.spec?.type) || external(next.spec?.type)) return;
  const oldPorts = (old.spec?.ports ?? []) as KubeObject[];
  for (const port of (next.spec?.ports ?? []) as KubeObject[]) {
    if (port.nodePort !== undefined && oldPorts.some((o) => o.nodePort === port.nodePort)) delete port.nodePort;
  }
  if (next.spec.externalTrafficPolicy === old.spec?.externalTrafficPolicy) delete next.spec.externalTrafficPolicy;
  if (next.spec.healthCheckNodePort === old.spec?.healthCheckNodePort) delete next.spec.healthCheckNodePort;
}

/** The claim keys of the IPs and ports a Service holds. */
function heldKeys(svc: KubeObject): string[] {
  const ips = ((svc.spec?.clusterIPs ?? []) as string[]).filter((ip) => ip !== 'None' && ip !== '');
  const ports = ((svc.spec?.ports ?? []) as KubeObject[]).map((p) => p.nodePort).filter((p): p is number => typeof p === 'number' && p !== 0);
  return [...ips.map(ipKey), ...ports.map(portKey)];
}

const ipKey = (ip: string): string => `/registry/ranges/serviceips/${ip}`;
const portKey = (port: number): string => `/registry/ranges/servicenodeports/${port}`;

function ignoreMissing(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
  return m.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
