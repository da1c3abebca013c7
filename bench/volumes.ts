/**
 * Write and read throughput inside a container, with busybox dd (a small fio-like loop):
 *
 *   berth named volume        docker exec C dd … of=/vol/f     (a bind of <root>/volumes/NAME/_data)
 *   berth overlay rootfs      docker exec C dd … of=/scratch/f (the container's overlayfs upper dir)
 *   podman named volume       podman exec C dd … of=/vol/f     (podman's own local volume)
 *   host directory            dd on the host, same file system: the floor
 *
 * Each run writes BENCH_MB MiB with conv=fsync (to the disk, not just the page cache), then
 * reads the file back (from the page cache: dropping caches would disturb a shared machine,
 * so the read figure is the file system's cached read path). dd runs under busybox `time`
 * inside the container, so the exec's own cost stays out (10 ms resolution: keep BENCH_MB
 * large enough). Cases run interleaved; medians are printed with MB/s and the ratio to
 * berth's named volume.
 *
 * Everything lives in one temp dir (daemon root/run, podman's vfs storage); containers,
 * the daemon, mounts, the cgroup parent and the dir are removed at the end. Needs root,
 * runc, conmon, the docker CLI; podman is optional (skipped when it cannot run here).
 *
 * Environment: BENCH_RUNS (default 5), BENCH_MB (default 128), BENCH_DIR (parent of the
 * temp dir; keep it short for the attach socket).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, syncDisks } from './harness.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 5);
const megabytes = Number(process.env['BENCH_MB'] ?? 128);
const parent = process.env['BENCH_DIR'] || os.tmpdir();
const repo = fileURLToPath(new URL('../..', import.meta.url));
const berthBin = path.join(repo, 'bin', 'berth');
const PODMAN_RUN_FLAGS = ['--runtime', 'runc', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

const dir = fs.mkdtempSync(path.join(parent, 'bvb-'));
const root = path.join(dir, 'root');
const run = path.join(dir, 'run');
const socket = path.join(run, 'docker.sock');
const cgroupParent = `/berth-bench-vol-${process.pid}`;
const podmanBase = ['--root', path.join(dir, 'pm', 'storage'), '--runroot', path.join(dir, 'pm', 'run'), '--tmpdir', path.join(dir, 'pm', 'tmp'), '--storage-driver', 'vfs', '--events-backend', 'file', '--cgroup-manager', 'cgroupfs'];
const docker = (args: string[]): string => command('docker', ['-H', `unix://${socket}`, ...args]);
let daemon: ChildProcess | undefined;
let podmanUsed = false;

const write = (file: string): string[] => ['time', 'dd', 'if=/dev/zero', `of=${file}`, 'bs=1M', `count=${megabytes}`, 'conv=fsync'];
/** Reads are fast (page cache): 32 passes, so busybox time's 10 ms steps do not dominate. */
const READ_PASSES = 32;
const read = (file: string): string[] => ['time', 'sh', '-c', `for i in ${'x '.repeat(READ_PASSES)}; do dd if=${file} of=/dev/null bs=1M 2>/dev/null; done`];

/** Runs a timed command and returns busybox time's `real` in milliseconds. */
function timed(file: string, args: string[]): number {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /real\s+(\d+)m\s*([\d.]+)s/.exec(r.stderr);
  if (!m) throw new Error(`no timing in: ${r.stderr}`);
  return (Number(m[1]) * 60 + Number(m[2])) * 1000;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function makeImage(): string {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'scratch', 'vol']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'true', 'sleep', 'dd', 'rm', 'time']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const tarball = path.join(dir, 'rootfs.tar');
  command('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  return tarball;
}

async function startDaemon(): Promise<void> {
  const log = fs.openSync(path.join(dir, 'daemon.log'), 'a');
  daemon = spawn(process.execPath, [berthBin, '--root', root, '--run', run, 'daemon', '--cgroup-parent', cgroupParent], { stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(socket)) {
    if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`berth daemon did not start: ${fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function podmanWorks(tarball: string): boolean {
  podmanUsed = true;
  const attempt = (args: string[]): boolean => spawnSync('podman', [...podmanBase, ...args], { encoding: 'utf8' }).status === 0;
  if (!attempt(['import', tarball, 'localhost/volbench:1'])) return false;
  if (!attempt(['volume', 'create', 'benchvol'])) return false;
  return attempt(['run', '-d', '--name', 'pbench', ...PODMAN_RUN_FLAGS, '-v', 'benchvol:/vol', 'localhost/volbench:1', 'sleep', '3600']);
}

interface Side {
  name: string;
  /** Runs `argv` (a busybox `time …` line) where the side lives; its `real` time in ms. */
  exec: (argv: string[]) => number;
  file: string;
}

async function main(): Promise<void> {
  const tarball = makeImage();
  await startDaemon();
  docker(['import', tarball, 'volbench:1']);
  docker(['run', '-d', '--name', 'bench', '-v', 'benchvol:/vol', 'volbench:1', 'sleep', '3600']);
  const hostDir = path.join(dir, 'host');
  fs.mkdirSync(hostDir);
  const sides: Side[] = [
    { name: 'berth named volume', exec: (argv) => timed('docker', ['-H', `unix://${socket}`, 'exec', 'bench', ...argv]), file: '/vol/f' },
    { name: 'berth overlay rootfs', exec: (argv) => timed('docker', ['-H', `unix://${socket}`, 'exec', 'bench', ...argv]), file: '/scratch/f' },
  ];
  if (podmanWorks(tarball)) sides.push({ name: 'podman named volume', exec: (argv) => timed('podman', [...podmanBase, 'exec', 'pbench', ...argv]), file: '/vol/f' });
  else console.log('podman: cannot run here, skipped');
  sides.push({ name: 'host directory (floor)', exec: (argv) => timed('busybox', argv.map((a) => a.replace(/(if|of)=\/f\b/g, `$1=${hostDir}/f`))), file: '/f' });

  const writes = sides.map((): number[] => []);
  const reads = sides.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    // Each run starts with another side, so that the disk's writeback and the machine's
    // neighbours do not always land on the same one.
    const order = sides.map((_, k) => (k + i) % sides.length);
    for (const j of order) {
      syncDisks();
      writes[j]?.push((sides[j] as Side).exec(write((sides[j] as Side).file)));
    }
    for (const j of order) reads[j]?.push((sides[j] as Side).exec(read((sides[j] as Side).file)));
  }
  const bytes = megabytes * 1024 * 1024;
  const rates = (times: number[][], passes: number): number[] => times.map((t) => (passes * bytes) / 1e6 / (Math.max(10, median(t)) / 1000));
  const writeRates = rates(writes, 1);
  const readRates = rates(reads, READ_PASSES);
  const print = (title: string, rate: number[]): void => {
    console.log(`\n${title} (${megabytes} MiB, median of ${runs}, timed inside the container)`);
    for (const [i, s] of sides.entries()) {
      console.log(`  ${s.name.padEnd(26)} ${(rate[i] ?? NaN).toFixed(0).padStart(7)} MB/s   ${((rate[i] ?? NaN) / (rate[0] ?? NaN)).toFixed(2)}× berth named volume`);
    }
  };
  print('write + fsync', writeRates);
  print(`read (page cache, ${READ_PASSES} passes)`, readRates);
  const vs = (i: number): string => `write ${((writeRates[0] ?? NaN) / (writeRates[i] ?? NaN)).toFixed(2)}×, read ${((readRates[0] ?? NaN) / (readRates[i] ?? NaN)).toFixed(2)}×`;
  console.log(`\n  berth named volume vs its overlay rootfs: ${vs(1)}`);
  const p = sides.findIndex((s) => s.name.startsWith('podman'));
  if (p >= 0) console.log(`  berth named volume vs podman's named volume: ${vs(p)}`);
}

async function cleanup(): Promise<void> {
  if (daemon && daemon.exitCode === null) {
    spawnSync('docker', ['-H', `unix://${socket}`, 'rm', '-f', '-v', 'bench']);
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon?.once('exit', r));
  }
  if (podmanUsed) {
    spawnSync('podman', [...podmanBase, 'rm', '-f', '-t', '0', 'pbench']);
    spawnSync('podman', [...podmanBase, 'volume', 'rm', '-f', 'benchvol']);
  }
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir + '/')).sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  for (const controller of fs.readdirSync('/sys/fs/cgroup')) {
    try {
      fs.rmdirSync(path.join('/sys/fs/cgroup', controller, cgroupParent));
    } catch {
      // not in this hierarchy, or already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

try {
  await main();
} finally {
  await cleanup();
}
