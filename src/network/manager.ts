import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { conflict, failedPrecondition, invalidArgument, notFound } from '../lib/index.js';
import { parseSubnet, type Subnet } from './cidr.js';
import { DnsServer } from './dns.js';
import { Firewall, type Ruleset } from './firewall.js';
import { resolveHostPorts } from './host-ports.js';
import { checkRequestedAddress, chooseSubnet, macFor, nextAddress, planAddresses, prefixLength } from './ipam.js';
import { BRIDGE_NAME_OPTION, newNetwork } from './network-create.js';
import { claimSubnet, deleteLink, ensureBridge, linkAlias, linksWithAlias, plumbVeths, releaseSubnet, routedPrefixes, type VethSetup } from './links.js';
import { StateFile, type NetworkState } from './state.js';
import type { ContainerIdentity, EndpointRecord, EndpointRequest, NetworkCreateRequest, NetworkPruneFilters, NetworkRecord, PortBinding } from './types.js';

export interface NetworkManagerOptions {
  /** Where the state file lives (inside the engine's root). */
  stateDir: string;
  /** Short hex tag of this daemon: names its iptables chains and marks its links. */
  instance: string;
  /** The default `bridge` network's Linux bridge. */
  defaultBridge: string;
  /** The default network's subnet; chosen from the pools when absent. */
  defaultSubnet?: string;
  /** Serve DNS on user-defined networks (a long-running daemon only). */
  dns: boolean;
  /** Resolvers other names are forwarded to; the host's resolv.conf when absent. */
  dnsUpstreams?: string[];
}

/**
 * Networks and endpoints over the kernel. A network's kernel objects (bridge, claim
 * route, DNS listener, rules) are made at its first use and taken down when it is
 * removed, when the daemon closes with it idle, and by reconcile after a restart finds
 * it idle; its address plan and the endpoints' addresses live in the state file.
 *
 * A container's endpoints are allocated before its process exists (so that /etc/hosts
 * can name its addresses), plumbed once the runtime created its network namespace
 * (plumb, with the pid), and released when it stops (release).
 */
export class NetworkManager {
  private readonly up = new Set<string>();
  private readonly claimed = new Set<string>();
  private readonly dnsServers = new Map<string, DnsServer>();
  private readonly firewall: Firewall;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly o: NetworkManagerOptions,
    private readonly file: StateFile,
    private state: NetworkState,
  ) {
    this.firewall = new Firewall(o.instance, state.firewall);
  }

  static async open(o: NetworkManagerOptions): Promise<NetworkManager> {
    const file = new StateFile(o.stateDir);
    const manager = new NetworkManager(o, file, file.load());
    await manager.exclusive(() => manager.ensureBuiltins());
    return manager;
  }

  // ---- networks -----------------------------------------------------------------------

  list(): NetworkRecord[] {
    return this.state.networks.map((n) => ({ ...n }));
  }

  /** By full ID, exact name, then unique ID prefix, as Docker looks networks up. */
  get(idOrName: string): NetworkRecord {
    const n = this.find(idOrName);
    return { ...n };
  }

  async create(request: NetworkCreateRequest): Promise<NetworkRecord> {
    return this.exclusive(async () => {
      const mine = this.bridgeSubnets();
      const hostRoutes = request.subnet === undefined ? await this.hostRoutes() : [];
      const network = newNetwork(request, this.state.networks, () => chooseSubnet([...mine, ...hostRoutes]));
      this.state.networks.push(network);
      this.save();
      return { ...network };
    });
  }

  async remove(idOrName: string): Promise<void> {
    await this.exclusive(async () => {
      const n = this.find(idOrName);
      if (n.builtin) throw failedPrecondition(`${n.name} is a pre-defined network and cannot be removed`);
      if (this.state.endpoints.some((e) => e.networkId === n.id)) throw conflict(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
      await this.takeDown(n);
      this.state.networks = this.state.networks.filter((x) => x.id !== n.id);
      this.save();
      await this.applyFirewall();
    });
  }

  /** Removes the user-defined networks no container uses; returns their names. */
  async prune(filters: NetworkPruneFilters = {}): Promise<string[]> {
    const candidates = this.state.networks.filter(
      (n) =>
        !n.builtin &&
        !this.state.endpoints.some((e) => e.networkId === n.id) &&
        (filters.until === undefined || n.created < filters.until) &&
        (filters.labels ?? []).every((l) => labelMatches(n.labels, l)),
    );
    const removed: string[] = [];
    for (const n of candidates) {
      try {
        await this.remove(n.id);
        removed.push(n.name);
      } catch {
        // attached meanwhile
      }
    }
    return removed;
  }

  // ---- endpoints ----------------------------------------------------------------------

  endpoints(containerId: string): EndpointRecord[] {
    return this.state.endpoints.filter((e) => e.containerId === containerId).map((e) => ({ ...e }));
  }

  endpointsOn(networkId: string): EndpointRecord[] {
    return this.state.endpoints.filter((e) => e.networkId === networkId).map((e) => ({ ...e }));
  }

  /**
   * Addresses (and host ports, published on the first network) for a container about
   * to start. Bridge networks only: `host` and `none` need no endpoint.
   */
  async allocate(c: ContainerIdentity, requests: readonly EndpointRequest[], ports: readonly PortBinding[]): Promise<EndpointRecord[]> {
    return this.exclusive(async () => {
      if (this.state.endpoints.some((e) => e.containerId === c.id)) throw conflict(`container ${c.id} already has network endpoints`);
      // Up before the addresses are handed out: /etc/resolv.conf names the DNS server only if it runs.
      for (const request of requests) await this.bringUp(this.find(request.network));
      const made: EndpointRecord[] = [];
      for (const [index, request] of requests.entries()) {
        const published = index === 0 ? await resolveHostPorts(ports, this.state.endpoints.flatMap((e) => e.ports)) : [];
        made.push(this.newEndpoint(c, request, `eth${index}`, published));
        this.state.endpoints.push(made[made.length - 1] as EndpointRecord);
      }
      this.save();
      return made.map((e) => ({ ...e }));
    });
  }

  /** Brings the container's networks up and moves its veths into the namespace of `pid`. */
  async plumb(containerId: string, pid: number): Promise<void> {
    const endpoints = this.state.endpoints.filter((e) => e.containerId === containerId);
    if (endpoints.length === 0) return;
    await this.exclusive(async () => {
      for (const e of endpoints) await this.bringUp(this.find(e.networkId));
    });
    await plumbVeths(pid, this.vethSetups(endpoints, true));
    if (endpoints.some((e) => e.ports.length > 0)) await this.exclusive(() => this.applyFirewall());
  }

  /** Attaches a container to one more network; plumbed at once when `pid` is given (it runs). */
  async connect(c: ContainerIdentity, request: EndpointRequest, pid: number | undefined): Promise<EndpointRecord> {
    const endpoint = await this.exclusive(async () => {
      const n = this.find(request.network);
      const mine = this.state.endpoints.filter((e) => e.containerId === c.id);
      if (mine.some((e) => e.networkId === n.id)) throw conflict(`endpoint with name ${c.name} already exists in network ${n.name}`);
      const used = new Set(mine.map((e) => e.ifName));
      let index = 0;
      while (used.has(`eth${index}`)) index++;
      await this.claim(n);
      const e = this.newEndpoint(c, { ...request, network: n.id }, `eth${index}`, []);
      this.state.endpoints.push(e);
      this.save();
      if (pid !== undefined) await this.bringUp(n);
      return e;
    });
    if (pid !== undefined) {
      const hasGateway = this.state.endpoints.some((e) => e.containerId === c.id && e.endpointId !== endpoint.endpointId && !this.find(e.networkId).internal);
      try {
        await plumbVeths(pid, this.vethSetups([endpoint], !hasGateway));
      } catch (err) {
        await this.exclusive(async () => this.dropEndpoints([endpoint.endpointId]));
        throw err;
      }
    }
    return { ...endpoint };
  }

  async disconnect(containerId: string, network: string): Promise<void> {
    await this.exclusive(async () => {
      const n = this.find(network);
      const e = this.state.endpoints.find((x) => x.containerId === containerId && x.networkId === n.id);
      if (e === undefined) throw notFound(`container ${containerId} is not connected to network ${n.name}`);
      await deleteLink(e.hostVeth);
      this.dropEndpoints([e.endpointId]);
      if (e.ports.length > 0) await this.applyFirewall();
    });
  }

  /** Releases every endpoint of a container (its veths go with its namespace; deleted here too). */
  async release(containerId: string): Promise<void> {
    await this.exclusive(async () => {
      const mine = this.state.endpoints.filter((e) => e.containerId === containerId);
      if (mine.length === 0) return;
      for (const e of mine) await deleteLink(e.hostVeth);
      this.dropEndpoints(mine.map((e) => e.endpointId));
      if (mine.some((e) => e.ports.length > 0)) await this.applyFirewall();
    });
  }

  /**
   * After a restart (or a crash): endpoints of containers that no longer run are
   * released, links of this daemon that nothing owns are deleted, networks with
   * endpoints are brought up again (DNS), idle ones taken down, and the rules rebuilt.
   */
  async reconcile(running: ReadonlySet<string>): Promise<void> {
    await this.exclusive(async () => {
      const stale = this.state.endpoints.filter((e) => !running.has(e.containerId));
      this.dropEndpoints(stale.map((e) => e.endpointId));
      const links = await linksWithAlias(`berth:${this.o.instance}:`);
      const veths = new Set(this.state.endpoints.map((e) => e.hostVeth));
      const bridges = new Map(this.state.networks.filter((n) => n.bridge !== undefined).map((n) => [n.bridge as string, n]));
      for (const [name, alias] of links) {
        const owner = alias.split(':')[2] ?? '';
        const network = bridges.get(name);
        if (network !== undefined && network.id === owner) {
          this.up.add(network.id);
          this.claimed.add(network.id);
          continue;
        }
        if (!veths.has(name)) await deleteLink(name);
      }
      for (const n of this.state.networks) {
        if (n.driver !== 'bridge') continue;
        if (this.state.endpoints.some((e) => e.networkId === n.id)) {
          if (this.up.has(n.id)) await this.startDns(n);
          else await this.bringUp(n);
        } else if (this.up.has(n.id)) {
          await this.takeDown(n);
        }
      }
      await this.applyFirewall();
    });
  }

  /** Stops the DNS servers and takes idle networks down; networks of running containers stay. */
  async close(): Promise<void> {
    await this.exclusive(async () => {
      for (const [id, server] of this.dnsServers) {
        await server.close();
        this.dnsServers.delete(id);
      }
      for (const n of this.state.networks) {
        const idle = !this.state.endpoints.some((e) => e.networkId === n.id);
        if (idle && (this.up.has(n.id) || this.claimed.has(n.id))) await this.takeDown(n);
      }
      await this.applyFirewall();
    });
  }

  /** A renamed container answers to its new name on its networks. */
  async renameContainer(containerId: string, oldName: string, newName: string): Promise<void> {
    await this.exclusive(async () => {
      const mine = this.state.endpoints.filter((e) => e.containerId === containerId);
      if (mine.length === 0) return;
      for (const e of mine) {
        e.containerName = newName;
        if (e.dnsNames.length > 0) e.dnsNames = [...new Set(e.dnsNames.map((n) => (n === oldName.toLowerCase() ? newName.toLowerCase() : n)))];
      }
      this.save();
    });
  }

  /** Addresses the network's DNS answers for a name. */
  lookup(networkId: string, name: string): string[] {
    return this.state.endpoints.filter((e) => e.networkId === networkId && e.dnsNames.includes(name)).map((e) => e.ip);
  }

  /** Whether containers on this network get its DNS server as their resolver (it runs). */
  servesDns(network: NetworkRecord): boolean {
    return this.dnsServers.has(network.id);
  }

  private wantsDns(network: NetworkRecord): boolean {
    return this.o.dns && network.driver === 'bridge' && !network.builtin;
  }

  // ---- internals ----------------------------------------------------------------------

  private find(idOrName: string): NetworkRecord {
    const nets = this.state.networks;
    const hit = nets.find((n) => n.id === idOrName) ?? nets.find((n) => n.name === idOrName);
    if (hit) return hit;
    if (/^[0-9a-f]+$/.test(idOrName)) {
      const byPrefix = nets.filter((n) => n.id.startsWith(idOrName));
      if (byPrefix.length > 1) throw invalidArgument(`network ${idOrName} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
      if (byPrefix[0]) return byPrefix[0];
    }
    throw notFound(`network ${idOrName} not found`);
  }

  private newEndpoint(c: ContainerIdentity, request: EndpointRequest, ifName: string, ports: PortBinding[]): EndpointRecord {
    const n = this.find(request.network);
    if (n.driver !== 'bridge' || n.subnet === undefined || n.gateway === undefined || n.bridge === undefined) {
      throw invalidArgument(`container cannot be connected to network ${n.name} (driver ${n.driver})`);
    }
    const aliases = request.aliases ?? [];
    if (n.builtin && aliases.length > 0) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    const plan = { subnet: n.subnet, gateway: n.gateway };
    const inUse = new Set(this.state.endpoints.filter((e) => e.networkId === n.id).map((e) => e.ip));
    const ip = request.ipv4Address ? checkRequestedAddress(plan, request.ipv4Address, inUse) : nextAddress(plan, inUse);
    const dnsNames = n.builtin ? [] : [...new Set([c.name, ...aliases, c.hostname, c.id.slice(0, 12)].map((s) => s.toLowerCase()).filter((s) => s !== ''))];
    const endpointId = randomBytes(32).toString('hex');
    return {
      endpointId,
      containerId: c.id,
      containerName: c.name,
      networkId: n.id,
      networkName: n.name,
      ip,
      prefixLength: prefixLength(n.subnet),
      gateway: n.gateway,
      mac: macFor(ip),
      hostVeth: `veth${endpointId.slice(0, 11)}`,
      ifName,
      aliases,
      dnsNames,
      ports,
      ...(c.dns?.length ? { dnsUpstreams: [...c.dns] } : {}),
    };
  }

  private vethSetups(endpoints: readonly EndpointRecord[], withGateway: boolean): VethSetup[] {
    let gatewaySet = !withGateway;
    return endpoints.map((e) => {
      const n = this.find(e.networkId);
      const setup: VethSetup = {
        hostName: e.hostVeth,
        alias: linkAlias(this.o.instance, e.containerId),
        bridge: n.bridge as string,
        ifName: e.ifName,
        mac: e.mac,
        address: e.ip,
        prefix: e.prefixLength,
        hairpin: e.ports.length > 0,
      };
      if (!gatewaySet && !n.internal) {
        setup.gateway = e.gateway;
        gatewaySet = true;
      }
      return setup;
    });
  }

  private dropEndpoints(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const drop = new Set(ids);
    this.state.endpoints = this.state.endpoints.filter((e) => !drop.has(e.endpointId));
    this.save();
  }

  /** Under the queue: the bridge, its claim route, its DNS server and the rules. */
  private async bringUp(n: NetworkRecord): Promise<void> {
    if (this.up.has(n.id) || n.bridge === undefined || n.subnet === undefined || n.gateway === undefined) return;
    const alias = linkAlias(this.o.instance, n.id);
    await this.claim(n);
    try {
      await ensureBridge({ name: n.bridge, alias, mac: macFor(n.gateway), gateway: n.gateway, prefix: prefixLength(n.subnet) });
      await this.startDns(n);
    } catch (err) {
      // Only a bridge that carries this network's alias is berth's to delete.
      if ((await linksWithAlias(alias).catch(() => new Map<string, string>())).has(n.bridge)) await deleteLink(n.bridge).catch(() => undefined);
      await releaseSubnet(n.subnet).catch(() => undefined);
      this.claimed.delete(n.id);
      throw err;
    }
    this.up.add(n.id);
    await this.applyFirewall();
  }

  /** The network's DNS server on its gateway, when it should have one and it is not running yet. */
  private async startDns(n: NetworkRecord): Promise<void> {
    if (!this.wantsDns(n) || this.dnsServers.has(n.id) || n.gateway === undefined) return;
    const id = n.id;
    try {
      const server = await DnsServer.start({
        address: n.gateway,
        lookup: (name) => this.lookup(id, name),
        upstreams: (client) => {
          if (n.internal) return [];
          const own = this.state.endpoints.find((e) => e.networkId === id && e.ip === client)?.dnsUpstreams;
          return own ?? this.o.dnsUpstreams ?? hostNameservers();
        },
      });
      this.dnsServers.set(id, server);
    } catch (err) {
      // Port 53 of the gateway taken (a host resolver bound to every address): the
      // network works without names, its containers use the host's resolvers.
      process.emitWarning(`network ${n.name}: no DNS server on ${n.gateway}:53: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Under the queue: removes what bringUp made (also when this process did not make it). */
  private async takeDown(n: NetworkRecord): Promise<void> {
    const server = this.dnsServers.get(n.id);
    if (server !== undefined) {
      await server.close();
      this.dnsServers.delete(n.id);
    }
    if (n.bridge === undefined || n.subnet === undefined) return;
    if (this.up.has(n.id)) await deleteLink(n.bridge);
    if (this.up.has(n.id) || this.claimed.has(n.id)) await releaseSubnet(n.subnet);
    this.up.delete(n.id);
    this.claimed.delete(n.id);
  }

  /**
   * Under the queue: holds the network's subnet with a claim route. A subnet berth chose
   * (nobody asked for it) moves to a free one if another daemon took it meanwhile (the
   * network has no endpoints then); a clash over an asked-for subnet is refused.
   */
  private async claim(n: NetworkRecord): Promise<void> {
    if (this.claimed.has(n.id) || n.subnet === undefined) return;
    const ours = n.bridge !== undefined && (await linksWithAlias(linkAlias(this.o.instance, n.id))).has(n.bridge);
    for (let attempt = 0; ; attempt++) {
      const subnet = n.subnet as string;
      if ((await claimSubnet(subnet)) === 'claimed' || ours) break;
      const chosen = n.builtin ? this.o.defaultSubnet === undefined : n.autoSubnet === true;
      const movable = chosen && !this.state.endpoints.some((e) => e.networkId === n.id);
      if (!movable || attempt >= 8) throw conflict(`subnet ${subnet} of network ${n.name} is already claimed on this host (another berth daemon?)`);
      const others = this.state.networks.filter((x) => x.id !== n.id && x.subnet !== undefined).map((x) => parseSubnet(x.subnet as string));
      const hostRoutes = await this.hostRoutes();
      const plan = planAddresses({}, () => chooseSubnet([...others, ...hostRoutes]));
      n.subnet = plan.subnet;
      n.gateway = plan.gateway;
      this.save();
    }
    this.claimed.add(n.id);
  }

  private async applyFirewall(): Promise<void> {
    const upNetworks = this.state.networks.filter((n) => this.up.has(n.id) && n.bridge !== undefined && n.subnet !== undefined);
    const ruleset: Ruleset = {
      networks: upNetworks.map((n) => ({ bridge: n.bridge as string, subnet: n.subnet as string, internal: n.internal })),
      ports: this.state.endpoints
        .filter((e) => this.up.has(e.networkId))
        .flatMap((e) => e.ports.map((p) => ({ ...p, bridge: this.find(e.networkId).bridge as string, containerIp: e.ip }))),
    };
    // Recorded before rules are made and after they are gone, so that a crash in between
    // leaves "may exist" behind, never "absent" while they exist.
    if (ruleset.networks.length > 0 && this.state.firewall !== true) {
      this.state.firewall = true;
      this.save();
    }
    await this.firewall.apply(ruleset);
    if (!this.firewall.installed && this.state.firewall !== false) {
      this.state.firewall = false;
      this.save();
    }
  }

  private async ensureBuiltins(): Promise<void> {
    const named = (name: string): NetworkRecord | undefined => this.state.networks.find((n) => n.builtin && n.name === name);
    const base = (name: string, driver: NetworkRecord['driver']): NetworkRecord => ({
      id: randomBytes(32).toString('hex'),
      name,
      driver,
      created: new Date(),
      builtin: true,
      internal: false,
      attachable: false,
      labels: {},
      options: {},
    });
    let bridge = named('bridge');
    const changed = bridge === undefined || !named('host') || !named('none') || this.o.defaultBridge !== bridge.bridge || (this.o.defaultSubnet !== undefined && this.o.defaultSubnet !== bridge.subnet);
    const idle = bridge === undefined || !this.state.endpoints.some((e) => e.networkId === bridge?.id);
    if (bridge === undefined || (idle && (bridge.bridge !== this.o.defaultBridge || (this.o.defaultSubnet !== undefined && bridge.subnet !== this.o.defaultSubnet)))) {
      const others = this.state.networks.filter((n) => n !== bridge && n.subnet !== undefined).map((n) => parseSubnet(n.subnet as string));
      const routes = this.o.defaultSubnet === undefined ? await this.hostRoutes() : [];
      const plan = planAddresses(this.o.defaultSubnet === undefined ? {} : { subnet: this.o.defaultSubnet }, () => chooseSubnet([...others, ...routes]));
      bridge = {
        ...(bridge ?? base('bridge', 'bridge')),
        subnet: plan.subnet,
        gateway: plan.gateway,
        bridge: this.o.defaultBridge,
        options: { [BRIDGE_NAME_OPTION]: this.o.defaultBridge, 'com.docker.network.bridge.default_bridge': 'true' },
      };
      this.state.networks = [bridge, ...this.state.networks.filter((n) => !(n.builtin && n.name === 'bridge'))];
    }
    if (!named('host')) this.state.networks.push(base('host', 'host'));
    if (!named('none')) this.state.networks.push(base('none', 'null'));
    if (changed) this.save();
  }

  private bridgeSubnets(): Subnet[] {
    return this.state.networks.filter((n) => n.subnet !== undefined).map((n) => parseSubnet(n.subnet as string));
  }

  /** The host's routes (other daemons' claim routes among them). */
  private async hostRoutes(): Promise<Subnet[]> {
    return (await routedPrefixes()).flatMap((p) => {
      try {
        return [parseSubnet(p)];
      } catch {
        return [];
      }
    });
  }

  private save(): void {
    this.file.save(this.state);
  }

  /** Runs changes one at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function labelMatches(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return filter in labels;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** The host's nameservers (the daemon runs in the host's namespace: loopback ones work). */
function hostNameservers(): string[] {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8')
      .split('\n')
      .flatMap((line) => {
        const m = /^\s*nameserver\s+(\S+)/.exec(line);
        return m?.[1] === undefined ? [] : [m[1]];
      });
  } catch {
    return [];
  }
}
