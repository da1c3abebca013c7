import { runTool, ToolError } from './exec.js';

/**
 * Port publishing, outbound NAT and isolation in iptables (the nft backend here), in
 * chains of this daemon's own (`BERTH-<instance>-…`), so that several daemons share a
 * host without touching each other's rules. The whole rule set is rendered from the
 * networks that are up and their endpoints, and applied in one `iptables-restore
 * --noflush` transaction: declaring a chain flushes it, so every apply converges.
 */

export interface FirewallNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export interface FirewallPort {
  bridge: string;
  containerIp: string;
  protocol: 'tcp' | 'udp';
  containerPort: number;
  /** '' or 0.0.0.0 for every host address. */
  hostIp: string;
  hostPort: number;
}

export interface Ruleset {
  networks: FirewallNetwork[];
  ports: FirewallPort[];
}

export interface Chains {
  dnat: string;
  post: string;
  forward: string;
}

export const chainsFor = (instance: string): Chains => ({
  dnat: `BERTH-${instance}-DNAT`,
  post: `BERTH-${instance}-POST`,
  forward: `BERTH-${instance}-FWD`,
});

/** The jumps from the built-in chains: [table, chain, rule…]. */
function jumps(c: Chains): Array<[string, string, string[]]> {
  return [
    ['nat', 'PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat]],
    ['nat', 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat]],
    ['nat', 'POSTROUTING', ['-j', c.post]],
    ['filter', 'FORWARD', ['-j', c.forward]],
  ];
}

const anyHost = (ip: string): boolean => ip === '' || ip === '0.0.0.0';

/** The iptables-restore input for a rule set (pure, for tests). */
export function renderRuleset(c: Chains, r: Ruleset): string {
  const nat: string[] = [`:${c.dnat} - [0:0]`, `:${c.post} - [0:0]`];
  const filter: string[] = [`:${c.forward} - [0:0]`];
  for (const p of r.ports) {
    const dest = anyHost(p.hostIp) ? '' : ` -d ${p.hostIp}/32`;
    nat.push(`-A ${c.dnat}${dest} -p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`);
  }
  for (const n of r.networks) {
    nat.push(`-A ${c.post} -o ${n.bridge} -m addrtype --src-type LOCAL -j MASQUERADE`);
    if (!n.internal) nat.push(`-A ${c.post} -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
  }
  for (const p of r.ports) {
    // hairpin: a container reaching its own published port comes back through the bridge
    nat.push(`-A ${c.post} -s ${p.containerIp}/32 -d ${p.containerIp}/32 -p ${p.protocol} -m ${p.protocol} --dport ${p.containerPort} -j MASQUERADE`);
  }
  for (const n of r.networks) {
    filter.push(`-A ${c.forward} -i ${n.bridge} -o ${n.bridge} -j ACCEPT`);
    if (n.internal) {
      filter.push(`-A ${c.forward} -i ${n.bridge} -j DROP`, `-A ${c.forward} -o ${n.bridge} -j DROP`);
      continue;
    }
    for (const other of r.networks) {
      if (other.bridge !== n.bridge) filter.push(`-A ${c.forward} -i ${n.bridge} -o ${other.bridge} -j DROP`);
    }
    filter.push(
      `-A ${c.forward} -i ${n.bridge} -j ACCEPT`,
      `-A ${c.forward} -o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    );
    for (const p of r.ports.filter((q) => q.bridge === n.bridge)) {
      filter.push(`-A ${c.forward} -d ${p.containerIp}/32 -o ${n.bridge} -p ${p.protocol} -m ${p.protocol} --dport ${p.containerPort} -j ACCEPT`);
    }
  }
  return ['*nat', ...nat, 'COMMIT', '*filter', ...filter, 'COMMIT', ''].join('\n');
}

export class Firewall {
  private readonly chains: Chains;
  private jumpsInstalled = false;
  /** `present`: what the caller last recorded (undefined: look at the kernel when it matters). */
  constructor(
    private readonly instance: string,
    private present: boolean | undefined,
  ) {
    this.chains = chainsFor(instance);
  }

  /** Whether any of this daemon's rules may be in the kernel now. */
  get installed(): boolean {
    return this.present !== false;
  }

  /** Makes the kernel's rules those of `ruleset`; with no network up, removes every trace. */
  async apply(ruleset: Ruleset): Promise<void> {
    if (ruleset.networks.length === 0) {
      await this.remove();
      return;
    }
    this.present = true;
    await runTool('iptables-restore', ['--noflush'], renderRuleset(this.chains, ruleset));
    if (!this.jumpsInstalled) {
      for (const [table, chain, rule] of jumps(this.chains)) {
        if (await has(table, chain, rule)) continue;
        await runTool('iptables', ['-t', table, chain === 'FORWARD' ? '-I' : '-A', chain, ...rule]);
      }
      this.jumpsInstalled = true;
    }
  }

  /** Removes the jumps and this daemon's chains (nothing when they are absent). */
  async remove(): Promise<void> {
    if (this.present === undefined) this.present = (await runTool('iptables-save', [])).includes(`BERTH-${this.instance}-`);
    if (!this.present) return;
    for (const [table, chain, rule] of jumps(this.chains)) {
      while (await has(table, chain, rule)) await runTool('iptables', ['-t', table, '-D', chain, ...rule]);
    }
    this.jumpsInstalled = false;
    for (const [table, chain] of [
      ['nat', this.chains.dnat],
      ['nat', this.chains.post],
      ['filter', this.chains.forward],
    ] as const) {
      try {
        await runTool('iptables', ['-t', table, '-F', chain]);
        await runTool('iptables', ['-t', table, '-X', chain]);
      } catch (err) {
        if (!(err instanceof ToolError && /No chain|does not exist/i.test(err.stderr))) throw err;
      }
    }
    this.present = false;
  }
}

async function has(table: string, chain: string, rule: string[]): Promise<boolean> {
  try {
    await runTool('iptables', ['-t', table, '-C', chain, ...rule]);
    return true;
  } catch (err) {
    if (err instanceof ToolError && /does a matching rule exist|No chain|Couldn't load target|does not exist/i.test(err.stderr)) return false;
    throw err;
  }
}
