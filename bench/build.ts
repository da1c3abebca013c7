/**
 * Image builds, berth against `podman build`, on one 10-step multi-stage Dockerfile and
 * one context, in one run:
 *
 *   cold              --no-cache: every step runs
 *   no change         the same build again: every step from the cache
 *   one file changed  a source file edited before each run: its COPY and what follows run
 *
 * berth is measured through its CLI (`berth build`, node start-up included) and through
 * the docker CLI (DOCKER_BUILDKIT=0), both against a `berth daemon` on a private root;
 * podman with private vfs storage, `--runtime runc`, no network and lowered ulimits (see
 * DESIGN.md), its layer cache on. The base is the same local busybox image on both sides.
 *
 * Goal: a no-change rebuild under 1 s, and faster than podman in all three.
 *
 * Everything lives in one temp dir, removed at the end (also on SIGINT/SIGTERM) with the
 * daemon, its containers and podman's. Needs root, runc, conmon, the docker CLI; podman
 * is optional.
 *
 * Environment: BENCH_RUNS (runs per case, interleaved; median reported; default 5),
 * BENCH_DIR (parent of the temp dir; keep it short for the attach socket path).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, interleavedMedians, type BenchCase } from './harness.js';

const berthBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/berth');
const runs = Number(process.env['BENCH_RUNS'] ?? 5);
const BASE = 'localhost/buildbench:1';
const PODMAN_BUILD_FLAGS = ['--runtime', 'runc', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--isolation', 'oci'];
const APPLETS = ['sh', 'cat', 'ls', 'mkdir', 'cp', 'wc', 'echo', 'true'];

const DOCKERFILE = `FROM ${BASE} AS build
WORKDIR /src
COPY src/ ./
RUN cat *.txt > all.txt && mkdir -p /out && cp all.txt /out/bundle.txt
FROM ${BASE}
ENV APP=bench
COPY --from=build /out/bundle.txt /app/bundle.txt
COPY static/ /app/static/
RUN ls -R /app > /app/manifest.txt && wc -c /app/bundle.txt
CMD ["cat", "/app/bundle.txt"]
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function attempt(file: string, args: string[], env?: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...(env ? { env } : {}) });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr || r.error?.message || '' };
}

class Lab {
  readonly root: string;
  readonly run: string;
  readonly host: string;
  readonly context: string;
  readonly tarball: string;
  readonly podmanBase: string[];
  daemon: ChildProcess | undefined;
  podmanUsed = false;
  private edits = 0;

  constructor(readonly dir: string) {
    this.root = path.join(dir, 'root');
    this.run = path.join(dir, 'run');
    this.host = `unix://${path.join(this.run, 'docker.sock')}`;
    this.context = path.join(dir, 'ctx');
    this.tarball = path.join(dir, 'rootfs.tar');
    const pm = path.join(dir, 'pm');
    this.podmanBase = ['--root', path.join(pm, 'storage'), '--runroot', path.join(pm, 'run'), '--tmpdir', path.join(pm, 'tmp'), '--storage-driver', 'vfs', '--events-backend', 'file', '--cgroup-manager', 'cgroupfs'];
  }

  prepare(): void {
    const rootfs = path.join(this.dir, 'rootfs');
    for (const d of ['bin', 'etc', 'tmp']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\n');
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    command('tar', ['--numeric-owner', '-C', rootfs, '-cf', this.tarball, '.']);
    // A context of a few hundred small files, as a small application's would be.
    for (const sub of ['src', 'static/css', 'static/img']) fs.mkdirSync(path.join(this.context, sub), { recursive: true });
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(this.context, 'src', `m${i}.txt`), `module ${i}\n`.repeat(50));
    for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(this.context, 'static', i % 2 ? 'css' : 'img', `a${i}.bin`), Buffer.alloc(4096, i));
    fs.writeFileSync(path.join(this.context, 'Dockerfile'), DOCKERFILE);
    fs.writeFileSync(path.join(this.context, '.dockerignore'), '*.tmp\n');
  }

  /** Changes one source file (differently each time, so every run sees a change). */
  editOneFile(): void {
    fs.writeFileSync(path.join(this.context, 'src', 'm7.txt'), `module 7, edit ${++this.edits}\n`);
  }

  async startDaemon(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'daemon.log'), 'a');
    const child = spawn(process.execPath, [berthBin, 'daemon', '--root', this.root, '--run', this.run], { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    this.daemon = child;
    const socket = this.host.slice('unix://'.length);
    const deadline = Date.now() + 20_000;
    while (!fs.existsSync(socket)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`berth daemon did not start: ${fs.readFileSync(path.join(this.dir, 'daemon.log'), 'utf8')}`);
      await sleep(20);
    }
  }

  berth(args: string[]): string {
    return command(berthBin, ['--host', this.host, ...args]);
  }

  docker(args: string[]): string {
    const r = attempt('docker', ['-H', this.host, ...args], { ...process.env, DOCKER_BUILDKIT: '0' });
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  podman(args: string[]): string[] {
    return [...this.podmanBase, ...args];
  }

  async cleanup(): Promise<void> {
    const daemon = this.daemon;
    if (daemon && daemon.exitCode === null) {
      const ids = attempt('docker', ['-H', this.host, 'ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) attempt('docker', ['-H', this.host, 'rm', '-f', ...ids]);
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    if (this.podmanUsed) attempt('podman', this.podman(['rm', '-af', '-t', '0']));
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const mountpoint = line.split(' ')[4];
      if (mountpoint?.startsWith(this.dir + '/')) attempt('umount', ['-l', mountpoint]);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function podmanWorks(lab: Lab): boolean {
  if (attempt('podman', ['--version']).code !== 0) {
    console.log('podman: not installed, skipped');
    return false;
  }
  lab.podmanUsed = true;
  const imported = attempt('podman', lab.podman(['import', lab.tarball, BASE]));
  if (imported.code !== 0) {
    console.log(`podman: import failed, skipped: ${imported.stderr.trim()}`);
    return false;
  }
  const built = attempt('podman', lab.podman(['build', ...PODMAN_BUILD_FLAGS, '-q', '-t', 'localhost/buildbench-app:podman', lab.context]));
  if (built.code !== 0) {
    console.log(`podman: build failed, skipped: ${built.stderr.trim()}`);
    return false;
  }
  return true;
}

async function main(): Promise<void> {
  const lab = new Lab(fs.mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bb-')));
  const onSignal = (): void => void lab.cleanup().finally(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    lab.prepare();
    await lab.startDaemon();
    lab.berth(['image', 'import', lab.tarball, BASE]);
    // Warm-up, and a check that the image does what the Dockerfile says.
    lab.berth(['build', '-q', '-t', 'buildbench-app:1', lab.context]);
    const out = lab.docker(['run', '--rm', 'buildbench-app:1']);
    if (!out.startsWith('module 0\n')) throw new Error(`the built image printed ${JSON.stringify(out.slice(0, 80))}`);
    const withPodman = podmanWorks(lab);

    const berthBuild = (extra: string[]) => (): void => void lab.berth(['build', '-q', ...extra, '-t', 'buildbench-app:1', lab.context]);
    const dockerBuild = (extra: string[]) => (): void => void lab.docker(['build', '-q', ...extra, '-t', 'buildbench-app:1', lab.context]);
    const podmanBuild = (extra: string[]) => (): void => void command('podman', lab.podman(['build', ...PODMAN_BUILD_FLAGS, '-q', ...extra, '-t', 'localhost/buildbench-app:podman', lab.context]));

    const scenarios: Array<{ title: string; extra: string[]; before?: () => void }> = [
      { title: 'cold build (--no-cache)', extra: ['--no-cache'] },
      { title: 'rebuild, no change', extra: [] },
      { title: 'rebuild, one source file changed', extra: [], before: () => lab.editOneFile() },
    ];
    const summary: string[] = [];
    for (const s of scenarios) {
      const cases: Array<BenchCase & { name: string }> = [
        { name: 'berth build (CLI)', fn: berthBuild(s.extra) },
        { name: 'docker build → berth daemon', fn: dockerBuild(s.extra) },
        ...(withPodman ? [{ name: 'podman build', fn: podmanBuild(s.extra) }] : []),
      ].map((c) => (s.before ? { ...c, before: s.before } : c));
      const results = await interleavedMedians(runs, cases);
      console.log(`\n${s.title} (median of ${runs})`);
      const podman = withPodman ? results[2]?.ms : undefined;
      for (const [i, c] of cases.entries()) {
        const ms = results[i]?.ms ?? NaN;
        const ratio = podman === undefined ? '' : `  ${(ms / podman).toFixed(2)}× podman`;
        console.log(`  ${c.name.padEnd(30)} ${ms.toFixed(0).padStart(7)} ms${ratio}`);
      }
      const berth = results[0]?.ms ?? NaN;
      if (podman !== undefined) summary.push(`  ${s.title}: berth ${berth < podman ? 'faster' : 'SLOWER'} than podman (${(berth / podman).toFixed(2)}×)`);
      if (s.title === 'rebuild, no change') summary.push(`  no-change rebuild under 1 s: ${berth < 1000 ? 'yes' : 'no'} (${berth.toFixed(0)} ms)`);
    }
    console.log('\nGoal');
    for (const line of summary) console.log(line);
  } finally {
    await lab.cleanup();
  }
}

await main();
