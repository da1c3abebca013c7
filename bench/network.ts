/**
 * HTTP through published ports: busybox httpd in a container, loaded by a small Node
 * client (N connections at once, a new connection per request, as busybox httpd closes
 * each one), reached
 *
 *   berth -p 127.0.0.1::80        through berth's DNAT to the container
 *   berth container address       a second such container at its own address on the bridge
 *   podman -p 127.0.0.1::80       podman's published port (its bridge network), the anchor
 *
 * Each case runs BENCH_ROUNDS rounds of BENCH_SECONDS, interleaved (each round starting with
 * another case); requests per second
 * are summed over the rounds and latencies pooled for the percentiles. Prints ratios to
 * podman. Goal: at least podman's throughput.
 *
 * Everything lives in one temp dir (daemon root and run dir, podman's storage); the berth
 * daemon uses its own bridge name and subnet, podman a network made for the run. All is
 * removed at the end, also on SIGINT/SIGTERM. Needs root, runc, conmon, the docker CLI;
 * podman is optional.
 *
 * Environment: BENCH_SECONDS (default 3), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16),
 * BENCH_BERTH_FLAGS (extra `docker run` flags for berth's container),
 * BENCH_SUBNET (the berth daemon's default subnet, default 10.231.0.0/24), BENCH_PODMAN_SUBNET
 * (10.232.0.0/24), BENCH_DIR (parent of the temp dir).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadHere, one, PAGE, type LoadRequest, type LoadResult } from './http-load.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
const subnet = process.env['BENCH_SUBNET'] ?? '10.231.0.0/24';
const podmanSubnet = process.env['BENCH_PODMAN_SUBNET'] ?? '10.232.0.0/24';
const parent = process.env['BENCH_DIR'] || os.tmpdir();
/** Extra `docker run` flags for berth's container, to tell network costs from others (`--security-opt seccomp=unconfined`). */
const berthFlags = (process.env['BENCH_BERTH_FLAGS'] ?? '').split(' ').filter(Boolean);

const repo = fileURLToPath(new URL('../..', import.meta.url));
const berthBin = path.join(repo, 'bin', 'berth');
const PODMAN_RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const HTTPD = ['httpd', '-f', '-p', '80', '-h', '/www'];

function command(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function attempt(file: string, args: string[]): boolean {
  return spawnSync(file, args, { encoding: 'utf8' }).status === 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The load client: a forked process serving load requests one at a time, or this process with BENCH_LOAD_IN_PROCESS=1. */
class LoadClient {
  private readonly child: ChildProcess | undefined;

  constructor() {
    if (process.env['BENCH_LOAD_IN_PROCESS'] !== '1') this.child = fork(fileURLToPath(new URL('./http-load.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  run(host: string, port: number, ms: number): Promise<LoadResult> {
    const request: LoadRequest = { host, port, ms, connections };
    const child = this.child;
    if (!child) return loadHere(request);
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the load client exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (result: LoadResult) => {
        child.off('exit', onExit);
        resolve(result);
      });
      child.send(request);
    });
  }

  close(): void {
    this.child?.disconnect();
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const serves = (host: string, port: number) => async (): Promise<boolean> => one(host, port).then(() => true, () => false);

class Lab {
  readonly root: string;
  readonly run: string;
  readonly socket: string;
  readonly podmanBase: string[];
  readonly podmanNetwork = `berthbench${process.pid}`;
  daemon: ChildProcess | undefined;
  podmanUsed = false;

  constructor(readonly dir: string) {
    this.root = path.join(dir, 'root');
    this.run = path.join(dir, 'run');
    this.socket = path.join(this.run, 'docker.sock');
    const pm = path.join(dir, 'pm');
    this.podmanBase = ['--root', path.join(pm, 'storage'), '--runroot', path.join(pm, 'run'), '--tmpdir', path.join(pm, 'tmp'), '--storage-driver', 'vfs', '--events-backend', 'file', '--cgroup-manager', 'cgroupfs'];
  }

  docker(args: string[]): string {
    return command('docker', ['-H', `unix://${this.socket}`, ...args]);
  }

  podman(args: string[]): string {
    return command('podman', [...this.podmanBase, ...args]);
  }

  makeImage(): string {
    const rootfs = path.join(this.dir, 'rootfs');
    for (const d of ['bin', 'etc', 'tmp', 'www']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'httpd']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(rootfs, 'www', 'index.html'), PAGE);
    const tarball = path.join(this.dir, 'rootfs.tar');
    command('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
    return tarball;
  }

  async startDaemon(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'daemon.log'), 'a');
    const bridge = `bb${process.pid % 100000}`;
    this.daemon = spawn(process.execPath, [berthBin, 'daemon', '--root', this.root, '--run', this.run, '--bridge', bridge, '--default-subnet', subnet], { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    await until('the berth daemon', async () => fs.existsSync(this.socket) && attempt('docker', ['-H', `unix://${this.socket}`, 'version']));
  }

  async cleanup(): Promise<void> {
    if (this.daemon && this.daemon.exitCode === null) {
      const ids = spawnSync('docker', ['-H', `unix://${this.socket}`, 'ps', '-aq'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (ids.length) attempt('docker', ['-H', `unix://${this.socket}`, 'rm', '-f', ...ids]);
      const exited = new Promise((r) => this.daemon?.once('exit', r));
      this.daemon.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
    }
    if (this.podmanUsed) {
      attempt('podman', [...this.podmanBase, 'rm', '-af', '-t', '0']);
      attempt('podman', [...this.podmanBase, 'network', 'rm', '-f', this.podmanNetwork]);
    }
    for (const line of (spawnSync('findmnt', ['-rno', 'TARGET'], { encoding: 'utf8' }).stdout ?? '').split('\n').reverse()) {
      if (line.startsWith(this.dir + '/')) attempt('umount', ['-l', line]);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function summarize(name: string, results: LoadResult[]): Row {
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const elapsed = results.reduce((n, r) => n + r.elapsedMs, 0);
  return { name, rps: (requests / elapsed) * 1000, p50: pct(0.5), p99: pct(0.99), errors: results.reduce((n, r) => n + r.errors, 0) };
}

async function main(): Promise<void> {
  const lab = new Lab(fs.mkdtempSync(path.join(parent, 'bnb-')));
  const onSignal = (): void => void lab.cleanup().finally(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const tarball = lab.makeImage();
    await lab.startDaemon();
    lab.docker(['import', '--change', 'CMD ["sh"]', tarball, 'netbench:1']);
    // A container per case, as podman's: the server keeps every closed connection in TIME_WAIT
    // in its own netns, and clients reaching it by two paths (DNAT'd and direct) carry unrelated
    // TCP timestamps from the same source address, so one case's TIME_WAITs refuse the other's
    // SYNs (PAWS) and slow it down.
    const publishedId = lab.docker(['run', '-d', ...berthFlags, '-p', '127.0.0.1::80', 'netbench:1', ...HTTPD]).trim();
    const published = Number(/:(\d+)\s*$/.exec(lab.docker(['port', publishedId, '80']))?.[1]);
    const directId = lab.docker(['run', '-d', ...berthFlags, 'netbench:1', ...HTTPD]).trim();
    const address = lab.docker(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', directId]).trim();
    await until('berth httpd', serves('127.0.0.1', published));
    await until('berth httpd', serves(address, 80));

    const cases: Array<{ name: string; host: string; port: number }> = [
      { name: 'berth -p 127.0.0.1::80', host: '127.0.0.1', port: published },
      { name: 'berth container address', host: address, port: 80 },
    ];
    if (spawnSync('podman', ['--version']).status === 0) {
      try {
        lab.podmanUsed = true;
        lab.podman(['import', tarball, 'localhost/netbench:1']);
        lab.podman(['network', 'create', '--subnet', podmanSubnet, lab.podmanNetwork]);
        const pid = lab.podman(['run', '-d', ...PODMAN_RUN_FLAGS, '--network', lab.podmanNetwork, '-p', '127.0.0.1::80', 'localhost/netbench:1', ...HTTPD]).trim();
        const podmanPort = Number(/:(\d+)\s*$/.exec(lab.podman(['port', pid, '80']))?.[1]);
        await until('podman httpd', serves('127.0.0.1', podmanPort));
        cases.push({ name: 'podman -p 127.0.0.1::80', host: '127.0.0.1', port: podmanPort });
      } catch (err) {
        console.log(`podman skipped: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    const results = cases.map((): LoadResult[] => []);
    const client = new LoadClient();
    try {
      for (const c of cases) await client.run(c.host, c.port, 500); // warm-up
      // Interleaved, and each round starts with another case, so that drift in the machine spreads over all.
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < cases.length; k++) {
          const i = (round + k) % cases.length;
          const c = cases[i];
          if (c !== undefined) results[i]?.push(await client.run(c.host, c.port, seconds * 1000));
        }
      }
    } finally {
      client.close();
    }
    const rows = cases.map((c, i) => summarize(c.name, results[i] ?? []));
    const anchor = rows.find((r) => r.name.startsWith('podman'));
    console.log(`\nHTTP through published ports: busybox httpd, ${connections} connections, ${rounds}×${seconds} s per case, a connection per request`);
    for (const r of rows) {
      const ratio = anchor ? `  ${(r.rps / anchor.rps).toFixed(2)}× podman req/s, p99 ${(r.p99 / anchor.p99).toFixed(2)}×` : '';
      console.log(`  ${r.name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  errors ${r.errors}${ratio}`);
    }
    const berth = rows[0];
    const direct = rows[1];
    if (berth && direct) console.log(`  published port vs container address: ${(berth.rps / direct.rps).toFixed(2)}× req/s`);
    if (berth && anchor) console.log(`  goal (at least podman's throughput): ${berth.rps >= anchor.rps ? 'met' : 'not met'}`);
  } finally {
    await lab.cleanup();
  }
}

await main();
