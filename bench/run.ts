/**
 * Container start latency, all in one run and on the same busybox image:
 *
 *   berth run --rm IMG true           the whole berth CLI (node start-up included)
 *   docker run --rm IMG true          the docker CLI (Go, starts in ms) against the berth daemon:
 *                                     what the daemon itself costs
 *   podman run --rm IMG true          --runtime runc --network none, lowered ulimits (see DESIGN)
 *   runc run (raw)                    `runc spec` bundle, args [true], private netns
 *   runc run, berth's spec            the daemon's own config.json for the image, run by runc
 *   node -e 0, docker --version       the two clients' start-up floors
 *
 * then 50 containers started at once (wall time until all are running, berth and podman),
 * idle daemon RSS and per-container monitor (conmon) RSS, and a timeline of the Docker API
 * requests of one `run --rm` through a logging proxy (where the time goes).
 *
 * Goal: faster than podman, and within 2× of raw runc plus the client's own start-up.
 *
 * Everything lives in one temp dir: the daemon's --root/--run, podman's private storage
 * (vfs), runc's state. Containers, the daemon, mounts and the dir are removed at the end,
 * also on SIGINT/SIGTERM. Needs root, runc, conmon, the docker CLI; podman is optional.
 *
 * Environment:
 *   BENCH_RUNS            runs per latency case, interleaved; the median is reported (default 15)
 *   BENCH_CONCURRENT      containers started at once (default 50)
 *   BENCH_RSS_CONTAINERS  running containers whose conmon RSS is averaged (default 10)
 *   BENCH_DIR             parent of the temp dir (default os.tmpdir()); keep it short: the
 *                         attach socket path must fit in 107 bytes
 *   BENCH_PROFILE         a directory: run the daemon under `node --cpu-prof` and write its
 *                         profile there when it stops
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, interleavedMedians, report, type BenchCase } from './harness.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 15);
const concurrent = Number(process.env['BENCH_CONCURRENT'] ?? 50);
const rssContainers = Number(process.env['BENCH_RSS_CONTAINERS'] ?? 10);
const parent = process.env['BENCH_DIR'] || os.tmpdir();
const profileDir = process.env['BENCH_PROFILE'] ?? '';
const GOAL_RUNC_FACTOR = 2;
const TRACE_RUNS = 5;

/** dist/bench/run.js → the repository root, where bin/berth lives. */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const berthBin = path.join(repo, 'bin', 'berth');

const PODMAN_RUN_FLAGS = ['--runtime', 'runc', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const APPLETS = ['sh', 'true', 'false', 'sleep', 'echo', 'cat', 'ls'];

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (for concurrent starts and the proxy). */
function exec(file: string, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command for its side effects during cleanup: failures are reported, not thrown. */
function attempt(file: string, args: string[]): Result {
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr || r.error?.message || '' };
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let interrupted = false;

/** Called in loops: after SIGINT the benchmark stops at the next step and cleans up. */
function checkInterrupted(): void {
  if (interrupted) throw new Error('interrupted');
}

async function yieldToSignals(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  checkInterrupted();
}

async function waitFor(what: string, timeoutMs: number, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    checkInterrupted();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------

/** A field in kB from /proc/<pid>/status or smaps_rollup (VmRSS, VmHWM, Pss). */
function procKb(pid: number, file: 'status' | 'smaps_rollup', field: string): number {
  const text = fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/${file}`);
  return Number(match[1]);
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;

// ---------------------------------------------------------------------------------------
// The lab: one temp dir with everything in it
// ---------------------------------------------------------------------------------------

class Lab {
  readonly root: string;
  readonly run: string;
  readonly socket: string;
  readonly host: string;
  readonly bundle: string;
  readonly rootfs: string;
  readonly tarball: string;
  readonly runcRoot: string;
  /** A bundle with the daemon's own config.json (seccomp, masks, cgroup mount…) on the same rootfs. */
  readonly berthBundle: string;
  readonly podmanBase: string[];
  daemon: ChildProcess | undefined;
  daemonExit: Promise<void> = Promise.resolve();
  podmanUsed = false;
  private runcIds = 0;
  private cleaned: Promise<void> | undefined;

  constructor(readonly dir: string) {
    this.root = path.join(dir, 'root');
    this.run = path.join(dir, 'run');
    this.socket = path.join(this.run, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.bundle = path.join(dir, 'bundle');
    this.rootfs = path.join(this.bundle, 'rootfs');
    this.tarball = path.join(dir, 'rootfs.tar');
    this.runcRoot = path.join(dir, 'runc');
    this.berthBundle = path.join(dir, 'bundle-berth');
    const pm = path.join(dir, 'pm');
    this.podmanBase = [
      '--root', path.join(pm, 'storage'),
      '--runroot', path.join(pm, 'run'),
      '--tmpdir', path.join(pm, 'tmp'),
      '--storage-driver', 'vfs',
      '--events-backend', 'file',
      '--cgroup-manager', 'cgroupfs',
    ];
  }

  docker(args: string[]): string[] {
    return ['-H', this.host, ...args];
  }

  podman(args: string[]): string[] {
    return [...this.podmanBase, ...args];
  }

  nextRuncId(): string {
    return `bench-${++this.runcIds}`;
  }

  /** busybox-static and applet links, passwd/group; a tarball of it made by GNU tar. */
  makeRootfs(): void {
    for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) fs.mkdirSync(path.join(this.rootfs, d), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(this.rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(this.rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(this.rootfs, 'bin', applet));
    fs.writeFileSync(path.join(this.rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(this.rootfs, 'etc', 'group'), 'root:x:0:\n');
    fs.chmodSync(path.join(this.rootfs, 'tmp'), 0o1777);
    command('tar', ['--numeric-owner', '-C', this.rootfs, '-cf', this.tarball, '.']);
  }

  /**
   * `runc spec`, then the equivalent of `run --rm IMG true`: args [true], no terminal, a
   * writable root (as overlay roots are), a private (empty) network namespace.
   */
  makeBundle(): void {
    command('runc', ['spec', '--bundle', this.bundle]);
    const file = path.join(this.bundle, 'config.json');
    const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as OciSpec;
    spec.process = { ...spec.process, args: ['true'], terminal: false };
    spec.root = { path: 'rootfs', readonly: false };
    const namespaces = (spec.linux ??= {}).namespaces ?? [];
    spec.linux.namespaces = [...namespaces.filter((n) => n.type !== 'network'), { type: 'network' }];
    fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  }

  /**
   * The spec the daemon generates for `run IMG`, taken from a running container's bundle,
   * made runnable by plain runc: the shared rootfs, copies of its /etc files, args [true],
   * runc's default cgroup path (removed with the container). This splits berth's cost into
   * what the runtime spends on a Docker-like spec and what the daemon adds around it.
   */
  captureBerthSpec(): void {
    const id = command('docker', this.docker(['run', '-d', 'bench:1', 'sleep', '30'])).trim();
    const containerDir = path.join(this.root, 'containers', id);
    const spec = JSON.parse(fs.readFileSync(path.join(containerDir, 'config.json'), 'utf8')) as OciSpec;
    fs.mkdirSync(this.berthBundle, { recursive: true });
    for (const mount of spec.mounts ?? []) {
      if (mount.source === undefined || !mount.source.startsWith(containerDir + '/')) continue;
      const copy = path.join(this.berthBundle, path.basename(mount.source));
      fs.copyFileSync(mount.source, copy);
      mount.source = copy;
    }
    command('docker', this.docker(['rm', '-f', id]));
    spec.process = { ...spec.process, args: ['true'], terminal: false };
    spec.root = { path: this.rootfs, readonly: false };
    if (spec.linux) delete spec.linux['cgroupsPath'];
    fs.writeFileSync(path.join(this.berthBundle, 'config.json'), JSON.stringify(spec, null, 2));
  }

  async startDaemon(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'daemon.log'), 'a');
    const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
    // Its own process group: a Ctrl-C meant for the benchmark must not stop the daemon
    // before cleanup has removed its containers through it.
    const child = spawn(process.execPath, [...nodeFlags, berthBin, 'daemon', '--root', this.root, '--run', this.run], {
      stdio: ['ignore', log, log],
      detached: true,
    });
    fs.closeSync(log);
    this.daemon = child;
    this.daemonExit = new Promise((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor('the daemon socket', 20_000, () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error('berth daemon exited');
        return fs.existsSync(this.socket);
      });
    } catch (err) {
      throw new Error(`berth daemon did not start (${(err as Error).message}): ${this.daemonLog()}`);
    }
  }

  daemonPid(): number {
    const pid = this.daemon?.pid;
    if (pid === undefined || this.daemon?.exitCode !== null) throw new Error(`berth daemon is not running: ${this.daemonLog()}`);
    return pid;
  }

  daemonLog(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'daemon.log'), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }

  /** Idempotent: from `finally` and from a signal alike. */
  cleanup(): Promise<void> {
    return (this.cleaned ??= this.doCleanup());
  }

  private async doCleanup(): Promise<void> {
    const problems: string[] = [];
    const daemon = this.daemon;
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const ids = lines(attempt('docker', this.docker(['ps', '-aq'])).stdout);
      if (ids.length) {
        const r = attempt('docker', this.docker(['rm', '-f', ...ids]));
        if (r.code !== 0) problems.push(`docker rm -f: ${r.stderr.trim()}`);
      }
      daemon.kill('SIGTERM');
      const stopped = await Promise.race([this.daemonExit.then(() => true), sleep(15_000).then(() => false)]);
      if (!stopped) {
        problems.push('daemon ignored SIGTERM for 15 s: SIGKILL');
        daemon.kill('SIGKILL');
        await this.daemonExit;
      }
    }
    if (this.podmanUsed) {
      const r = attempt('podman', this.podman(['rm', '-af', '-t', '0']));
      if (r.code !== 0) problems.push(`podman rm -af: ${r.stderr.trim()}`);
    }
    // runc state: the raw runs' and, should the daemon have failed to remove them, its own.
    for (const root of [this.runcRoot, path.join(this.run, 'runc')]) {
      if (!fs.existsSync(root)) continue;
      for (const id of lines(attempt('runc', ['--root', root, 'list', '-q']).stdout)) {
        problems.push(`runc container ${id} left in ${root}`);
        attempt('runc', ['--root', root, 'delete', '-f', id]);
      }
    }
    // Monitors (conmon) started for this lab that outlived their containers.
    for (const pid of processesMentioning(this.dir)) {
      problems.push(`process ${pid} still running: killed`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    for (const mount of mountsUnder(this.dir)) {
      problems.push(`mount ${mount} left behind: unmounted`);
      if (attempt('umount', [mount]).code !== 0) attempt('umount', ['-l', mount]);
    }
    const remaining = mountsUnder(this.dir);
    if (remaining.length) problems.push(`mounts still present: ${remaining.join(', ')}`);
    else fs.rmSync(this.dir, { recursive: true, force: true });
    console.log(`\nCleanup: ${problems.length ? problems.join('; ') : 'containers, daemon, mounts and temp dir removed'}`);
  }
}

interface OciSpec {
  process?: { args?: string[]; terminal?: boolean } & Record<string, unknown>;
  root?: { path: string; readonly?: boolean };
  mounts?: Array<{ destination: string; source?: string } & Record<string, unknown>>;
  linux?: { namespaces?: Array<{ type: string; path?: string }> } & Record<string, unknown>;
  [key: string]: unknown;
}

/** Mount points at or below `dir`, deepest first (so that nested ones go first). */
function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((mount) => mount === dir || mount.startsWith(prefix))
    .sort((a, b) => b.split('/').length - a.split('/').length);
}

/** PIDs (not ours) whose command line names `dir`. */
function processesMentioning(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) pids.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------

interface Row {
  name: string;
  ms: number;
  times: number[];
}

const NAMES = {
  berth: 'berth run --rm (CLI)',
  docker: 'docker run --rm → berth daemon',
  podman: 'podman run --rm',
  runc: 'runc run (raw)',
  runcBerthSpec: "runc run, berth's spec",
  node: 'node -e 0',
  dockerVersion: 'docker --version',
} as const;

/** Checks podman can run the image here; on failure says why and returns false. */
function podmanWorks(lab: Lab): boolean {
  lab.podmanUsed = true;
  const imported = attempt('podman', lab.podman(['import', lab.tarball, 'localhost/bench:1']));
  if (imported.code !== 0) {
    console.log(`podman: import failed, skipped: ${imported.stderr.trim()}`);
    return false;
  }
  const ran = attempt('podman', lab.podman(['run', '--rm', ...PODMAN_RUN_FLAGS, 'localhost/bench:1', 'true']));
  if (ran.code !== 0) {
    console.log(`podman: run failed, skipped: ${ran.stderr.trim()}`);
    return false;
  }
  return true;
}

async function latency(lab: Lab, withPodman: boolean): Promise<Row[]> {
  const cases: Array<{ name: string } & BenchCase> = [
    { name: NAMES.berth, fn: () => void command(berthBin, ['--host', lab.host, 'run', '--rm', 'bench:1', 'true']) },
    { name: NAMES.docker, fn: () => void command('docker', lab.docker(['run', '--rm', 'bench:1', 'true'])) },
    ...(withPodman
      ? [{ name: NAMES.podman, fn: () => void command('podman', lab.podman(['run', '--rm', ...PODMAN_RUN_FLAGS, 'localhost/bench:1', 'true'])) }]
      : []),
    { name: NAMES.runc, fn: () => void command('runc', ['--root', lab.runcRoot, 'run', '--bundle', lab.bundle, lab.nextRuncId()]) },
    {
      name: NAMES.runcBerthSpec,
      fn: () => void command('runc', ['--root', lab.runcRoot, 'run', '--bundle', lab.berthBundle, lab.nextRuncId()]),
    },
    { name: NAMES.node, fn: () => void command(process.execPath, ['-e', '0']) },
    { name: NAMES.dockerVersion, fn: () => void command('docker', ['--version']) },
  ];
  // One untimed round: warms the page cache, the daemon's JIT, and proves every case works.
  for (const c of cases) await c.fn();
  const results = await interleavedMedians(
    runs,
    // The timed commands run synchronously; the untimed `before` turns the event loop once,
    // so that a SIGINT is seen between runs.
    cases.map((c) => ({ fn: c.fn, before: yieldToSignals })),
  );
  return cases.map((c, i) => ({ name: c.name, ms: results[i]?.ms ?? NaN, times: results[i]?.times ?? [] }));
}

function printLatency(rows: Row[]): void {
  report(`Start latency of run --rm IMG true: median of ${runs} interleaved runs`, rows, NAMES.runc);
  const ms = (name: string): number => rows.find((r) => r.name === name)?.ms ?? NaN;
  console.log('  spread (min … max):');
  for (const row of rows) {
    const sorted = [...row.times].sort((a, b) => a - b);
    console.log(`    ${row.name.padEnd(32)} ${(sorted[0] ?? NaN).toFixed(1)} … ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`);
  }
  const podman = ms(NAMES.podman);
  if (!Number.isNaN(podman)) {
    console.log('  vs podman:');
    for (const row of rows) console.log(`    ${row.name.padEnd(32)} ${(row.ms / podman).toFixed(2)}× podman`);
  }
  const berth = ms(NAMES.berth);
  const docker = ms(NAMES.docker);
  const runc = ms(NAMES.runc);
  const node = ms(NAMES.node);
  const goClient = ms(NAMES.dockerVersion);
  const budget = GOAL_RUNC_FACTOR * runc + node;
  const daemonBudget = GOAL_RUNC_FACTOR * runc + goClient;
  console.log('\nGoal');
  if (Number.isNaN(podman)) console.log('  faster than podman: n/a (podman skipped)');
  else {
    console.log(`  faster than podman: ${berth < podman ? 'yes' : 'no'} (berth CLI ${berth.toFixed(1)} ms vs podman ${podman.toFixed(1)} ms)`);
    console.log(`    through the docker CLI: ${docker < podman ? 'yes' : 'no'} (${docker.toFixed(1)} ms)`);
  }
  console.log(
    `  within ${GOAL_RUNC_FACTOR}× of runc + node start-up: ${berth <= budget ? 'yes' : 'no'} ` +
      `(berth CLI ${berth.toFixed(1)} ms vs ${GOAL_RUNC_FACTOR}×${runc.toFixed(1)} + ${node.toFixed(1)} = ${budget.toFixed(1)} ms)`,
  );
  console.log(
    `    the daemon alone (docker CLI): ${docker <= daemonBudget ? 'yes' : 'no'} ` +
      `(${docker.toFixed(1)} ms vs ${GOAL_RUNC_FACTOR}×${runc.toFixed(1)} + ${goClient.toFixed(1)} = ${daemonBudget.toFixed(1)} ms)`,
  );
  const berthSpec = ms(NAMES.runcBerthSpec);
  console.log('\nWhere the difference goes');
  console.log(`  berth CLI − docker CLI         ${(berth - docker).toFixed(1).padStart(7)} ms  (node -e 0 alone: ${node.toFixed(1)} ms)`);
  console.log(`  berth's spec − runc spec       ${(berthSpec - runc).toFixed(1).padStart(7)} ms  (the runtime's work on a Docker-like spec)`);
  console.log(`  docker CLI − berth's spec      ${(docker - berthSpec).toFixed(1).padStart(7)} ms  (daemon, conmon, overlay, API, Go client)`);
}

interface ConcurrentResult {
  cliMs: number;
  runningMs: number;
  removeMs: number;
  failed: number;
  firstError: string;
}

/**
 * Starts `n` detached `sleep 30` containers at once; wall time until every CLI returned and
 * until `ps` lists all of them running; then the time of one `rm -f` of them all.
 */
async function startConcurrently(
  n: number,
  start: () => Promise<Result>,
  countRunning: () => number,
  remove: (ids: string[]) => void,
): Promise<ConcurrentResult> {
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: n }, () => start()));
  const cliMs = performance.now() - t0;
  const ids = results.filter((r) => r.code === 0).map((r) => r.stdout.trim());
  const failures = results.filter((r) => r.code !== 0);
  let runningMs = NaN;
  if (failures.length === 0) {
    await waitFor(`${n} running containers`, 60_000, () => countRunning() >= n);
    runningMs = performance.now() - t0;
  }
  const t1 = performance.now();
  if (ids.length) remove(ids);
  const removeMs = performance.now() - t1;
  return { cliMs, runningMs, removeMs, failed: failures.length, firstError: failures[0]?.stderr.trim() ?? '' };
}

function printConcurrent(name: string, r: ConcurrentResult): void {
  const fail = r.failed ? `  FAILED ${r.failed}/${concurrent}: ${r.firstError}` : '';
  console.log(
    `  ${name.padEnd(10)} all CLIs returned ${r.cliMs.toFixed(0).padStart(6)} ms, all running ${r.runningMs.toFixed(0).padStart(6)} ms` +
      ` (${(r.runningMs / concurrent).toFixed(1)} ms/container), rm -f of all ${r.removeMs.toFixed(0)} ms${fail}`,
  );
}

async function concurrency(lab: Lab, withPodman: boolean): Promise<void> {
  console.log(`\n${concurrent} containers started at once (run -d IMG sleep 30), wall time`);
  const berth = await startConcurrently(
    concurrent,
    () => exec('docker', lab.docker(['run', '-d', 'bench:1', 'sleep', '30'])),
    () => lines(command('docker', lab.docker(['ps', '-q']))).length,
    (ids) => void command('docker', lab.docker(['rm', '-f', ...ids])),
  );
  printConcurrent('berth', berth);
  checkInterrupted();
  if (!withPodman) return console.log('  podman     skipped');
  const podman = await startConcurrently(
    concurrent,
    () => exec('podman', lab.podman(['run', '-d', ...PODMAN_RUN_FLAGS, 'localhost/bench:1', 'sleep', '30'])),
    () => lines(command('podman', lab.podman(['ps', '-q']))).length,
    (ids) => void command('podman', lab.podman(['rm', '-f', '-t', '0', ...ids])),
  );
  printConcurrent('podman', podman);
}

/** The conmon of a berth container: its pidfile under --run, else a search by command line. */
function conmonPid(lab: Lab, id: string): number {
  const pidFile = path.join(lab.run, 'containers', id, 'conmon.pid');
  const fromFile = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : NaN;
  if (Number.isInteger(fromFile) && fromFile > 0) {
    try {
      if (fs.readFileSync(`/proc/${fromFile}/cmdline`, 'utf8').includes(id)) return fromFile;
    } catch {
      // stale pidfile: fall through
    }
  }
  const found = lines(attempt('pgrep', ['-f', `conmon.*${id}`]).stdout).map(Number);
  if (found.length !== 1 || found[0] === undefined) throw new Error(`no single conmon for ${id} (found ${found.length})`);
  return found[0];
}

async function memory(lab: Lab): Promise<void> {
  // The --rm containers of the latency runs go away asynchronously in the daemon.
  await waitFor('auto-removal of the --rm containers', 10_000, () => lines(command('docker', lab.docker(['ps', '-aq']))).length === 0);
  await sleep(1000);
  const pid = lab.daemonPid();
  console.log('\nMemory');
  console.log(
    `  daemon idle, after warm-up:         VmRSS ${mb(procKb(pid, 'status', 'VmRSS'))}, Pss ${mb(procKb(pid, 'smaps_rollup', 'Pss'))},` +
      ` VmHWM ${mb(procKb(pid, 'status', 'VmHWM'))}`,
  );
  const ids: string[] = [];
  for (let i = 0; i < rssContainers; i++) {
    checkInterrupted();
    ids.push(command('docker', lab.docker(['run', '-d', 'bench:1', 'sleep', '30'])).trim());
  }
  const rss: number[] = [];
  const pss: number[] = [];
  for (const id of ids) {
    const conmon = conmonPid(lab, id);
    rss.push(procKb(conmon, 'status', 'VmRSS'));
    pss.push(procKb(conmon, 'smaps_rollup', 'Pss'));
  }
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `  per-container monitor (conmon), ${ids.length} running: VmRSS ${mb(avg(rss))} avg` +
      ` (${mb(Math.min(...rss))} … ${mb(Math.max(...rss))}), Pss ${mb(avg(pss))} avg`,
  );
  console.log(`  daemon with ${ids.length} running:          VmRSS ${mb(procKb(pid, 'status', 'VmRSS'))}`);
  command('docker', lab.docker(['rm', '-f', ...ids]));
}

// ---------------------------------------------------------------------------------------
// Where the time goes: the Docker API requests of one run, through a logging proxy
// ---------------------------------------------------------------------------------------

interface TraceEvent {
  ms: number;
  conn: number;
  text: string;
}

/**
 * A unix-socket proxy in front of the daemon that notes, per connection, each request line,
 * each response status line, the wait result and the close, with times since `epoch()`.
 */
function startProxy(
  upstream: string,
  listen: string,
  epoch: () => number,
  events: TraceEvent[],
): Promise<{ server: net.Server; connections: () => number }> {
  let conns = 0;
  // Half-open allowed both ways: the docker CLI half-closes an attach stream it sends no
  // stdin on, and the output must keep flowing back.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const conn = ++conns;
    const note = (text: string): void => void events.push({ ms: performance.now() - epoch(), conn, text });
    const daemon = net.connect({ path: upstream, allowHalfOpen: true });
    client.on('data', (chunk: Buffer) => {
      const m = /^(GET|HEAD|POST|PUT|DELETE) (\S+) HTTP/.exec(chunk.toString('latin1', 0, 300));
      if (m) note(`→ ${m[1]} ${m[2]}`);
    });
    daemon.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1', 0, 300);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m) note(`← ${m[1]}`);
      const code = /"StatusCode":\s*(\d+)/.exec(head);
      if (code) note(`← wait result (exit ${code[1]})`);
    });
    client.pipe(daemon);
    daemon.pipe(client);
    const end = (): void => {
      client.destroy();
      daemon.destroy();
    };
    client.once('close', () => {
      note('closed');
      end();
    });
    daemon.once('close', end);
    client.on('error', end);
    daemon.on('error', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen, () => resolve({ server, connections: () => conns }));
  });
}

async function trace(lab: Lab): Promise<void> {
  const proxySocket = path.join(lab.dir, 'proxy.sock');
  let t0 = 0;
  const events: TraceEvent[] = [];
  const { server, connections } = await startProxy(lab.socket, proxySocket, () => t0, events);
  const clients: Array<{ name: string; file: string; args: string[] }> = [
    { name: 'docker CLI', file: 'docker', args: ['-H', `unix://${proxySocket}`, 'run', '--rm', 'bench:1', 'true'] },
    { name: 'berth CLI', file: berthBin, args: ['--host', `unix://${proxySocket}`, 'run', '--rm', 'bench:1', 'true'] },
  ];
  try {
    for (const client of clients) {
      const traced: Array<{ total: number; events: TraceEvent[] }> = [];
      for (let i = 0; i < TRACE_RUNS; i++) {
        checkInterrupted();
        events.length = 0;
        const before = connections();
        t0 = performance.now();
        const r = await exec(client.file, client.args);
        const total = performance.now() - t0;
        if (r.code !== 0) throw new Error(`${client.name} through the proxy failed: ${r.stderr}`);
        // Sockets of the previous run may close late: keep this run's connections only.
        traced.push({ total, events: events.filter((e) => e.conn > before) });
      }
      const median = [...traced].sort((a, b) => a.total - b.total)[Math.floor(traced.length / 2)];
      if (!median) continue;
      console.log(`\nAPI timeline, ${client.name} run --rm IMG true (median of ${TRACE_RUNS}, ms since spawn; #connection)`);
      for (const e of median.events) console.log(`  ${e.ms.toFixed(1).padStart(7)}  #${e.conn}  ${e.text}`);
      console.log(`  ${median.total.toFixed(1).padStart(7)}      client exited`);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const lab = new Lab(fs.mkdtempSync(path.join(parent, 'berth-run-')));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping, cleaning up`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    lab.makeRootfs();
    lab.makeBundle();
    await lab.startDaemon();
    command(berthBin, ['--host', lab.host, 'image', 'import', lab.tarball, 'bench:1']);
    lab.captureBerthSpec();
    const withPodman = podmanWorks(lab);
    console.log(`berth run bench: ${os.cpus().length} CPUs, node ${process.version}, runc ${(command('runc', ['--version']).split('\n')[0] ?? '').trim()}`);

    printLatency(await latency(lab, withPodman));
    await memory(lab);
    await concurrency(lab, withPodman);
    await trace(lab);
  } finally {
    await lab.cleanup();
    if (profileDir) console.log(`daemon CPU profile written to ${path.resolve(profileDir)}`);
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exitCode = interrupted ? 130 : 1;
}
