import fs from 'node:fs';
import path from 'node:path';

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Last resort of a test whose daemon could not clean up: SIGKILLs, by PID, the conmon
 * monitors and container processes the pid files under `<run>/containers/<id>/` name —
 * only while the process still belongs to that container (conmon's command line names
 * the id; the container's cgroup path holds it), so that a reused PID is left alone.
 */
export function killContainerLeftovers(runDir: string): void {
  const containers = path.join(runDir, 'containers');
  let ids: string[];
  try {
    ids = fs.readdirSync(containers);
  } catch {
    return;
  }
  for (const id of ids) {
    for (const [file, proof] of [
      ['container.pid', 'cgroup'],
      ['conmon.pid', 'cmdline'],
    ] as const) {
      const pid = Number(readOr(path.join(containers, id, file)).trim());
      if (!Number.isInteger(pid) || pid <= 1) continue;
      if (!readOr(`/proc/${pid}/${proof}`).includes(id)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

/**
 * The network objects of the berth instance with this tag still on the host: links
 * (bridges, veths) marked with its alias, its iptables chains, and routes (the bridge's
 * or the claim route) to the given subnets of its networks.
 */
export async function networkLeftovers(tag: string, subnets: readonly string[] = []): Promise<string[]> {
  const { execFileSync } = await import('node:child_process');
  const links = JSON.parse(execFileSync('ip', ['-j', '-d', 'link', 'show']).toString()) as Array<{ ifname: string; ifalias?: string }>;
  const out = links.filter((l) => l.ifalias?.startsWith(`berth:${tag}:`) === true).map((l) => `link ${l.ifname}`);
  const rules = execFileSync('iptables-save').toString();
  for (const line of rules.split('\n')) if (line.includes(`BERTH-${tag}-`)) out.push(`iptables ${line}`);
  const routes = JSON.parse(execFileSync('ip', ['-4', '-j', 'route', 'show', 'table', 'all']).toString()) as Array<{ dst: string; type?: string }>;
  for (const r of routes) if (subnets.includes(r.dst)) out.push(`route ${r.type ?? 'unicast'} ${r.dst}`);
  return out;
}

/** Removes what networkLeftovers finds (a test's last resort, after its own assertions). */
export async function removeNetworkLeftovers(tag: string): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const run = (args: string[], file = 'iptables'): void => {
    try {
      execFileSync(file, args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  const links = JSON.parse(execFileSync('ip', ['-j', '-d', 'link', 'show']).toString()) as Array<{ ifname: string; ifalias?: string }>;
  for (const l of links) if (l.ifalias?.startsWith(`berth:${tag}:`) === true) run(['link', 'del', l.ifname], 'ip');
  for (const [table, chain] of [['nat', 'PREROUTING'], ['nat', 'OUTPUT'], ['nat', 'POSTROUTING'], ['filter', 'FORWARD']] as const) {
    const rules = execFileSync('iptables', ['-t', table, '-S', chain]).toString().split('\n');
    for (const rule of rules) if (rule.includes(`BERTH-${tag}-`)) run(['-t', table, ...rule.replace(/^-A /, '-D ').split(' ')]);
  }
  for (const [table, chain] of [['nat', 'DNAT'], ['nat', 'POST'], ['filter', 'FWD']] as const) {
    run(['-t', table, '-F', `BERTH-${tag}-${chain}`]);
    run(['-t', table, '-X', `BERTH-${tag}-${chain}`]);
  }
}
