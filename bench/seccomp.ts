/**
 * What a container's seccomp filter costs per syscall and per fork, under runc, in CPU time
 * (the container's own user+sys, as busybox `times` reports it, so that other load on the
 * machine does not count):
 *
 *   berth's default profile      defaultSeccompProfile for the default capabilities
 *   podman's profile             the linux.seccomp podman 4 hands to runc (the anchor)
 *   no filter                    the floor
 *
 * Workloads in a busybox container (`runc spec` bundle, private network namespace):
 *
 *   read+write     dd bs=1 from /dev/zero to /dev/null: two plain syscalls per byte
 *   fork+exec      a shell loop running /bin/true: clone, execve, exit, wait4 per iteration
 *
 * Each case runs BENCH_ROUNDS rounds, interleaved; the median is reported with the ratio to
 * podman's profile and the cost over no filter. Everything lives in one temp dir (bundle,
 * runc state, podman's storage) that is removed at the end, also on SIGINT/SIGTERM. Needs
 * root and runc; podman is optional.
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_BYTES (dd bytes, default 1000000),
 * BENCH_FORKS (loop iterations, default 2000), BENCH_DIR (parent of the temp dir).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CAPABILITIES, defaultSeccompProfile, detectHost, type SpecSeccomp } from '../src/runtime/index.js';
import { command } from './harness.js';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const bytes = Number(process.env['BENCH_BYTES'] ?? 1_000_000);
const forks = Number(process.env['BENCH_FORKS'] ?? 2000);
const parent = process.env['BENCH_DIR'] || os.tmpdir();
const PODMAN_FLAGS = ['--runtime', 'runc', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

interface Workload {
  name: string;
  script: string;
  /** Operations the script performs, to divide its CPU time by. */
  ops: number;
  unit: 'ns' | 'µs';
}

const workloads: Workload[] = [
  { name: 'read+write (per syscall)', script: `dd if=/dev/zero of=/dev/null bs=1 count=${bytes} 2>/dev/null; times`, ops: 2 * bytes, unit: 'ns' },
  { name: 'fork+exec (per child)', script: `i=0; while [ $i -lt ${forks} ]; do /bin/true; i=$((i+1)); done; times`, ops: forks, unit: 'µs' },
];

/** The shell's and its children's user+sys seconds from busybox `times` ("0m0.010s 0m0.020s" twice). */
function cpuSeconds(timesOutput: string): number {
  const values = [...timesOutput.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (values.length !== 4) throw new Error(`unexpected output of times: ${JSON.stringify(timesOutput)}`);
  return values.reduce((a, b) => a + b, 0);
}

class Lab {
  readonly bundle: string;
  readonly runcRoot: string;
  readonly podmanBase: string[];
  private spec: Record<string, unknown> & { process: Record<string, unknown>; linux: Record<string, unknown> };
  private next = 0;
  podmanUsed = false;

  constructor(readonly dir: string) {
    this.bundle = path.join(dir, 'bundle');
    this.runcRoot = path.join(dir, 'runc');
    const pm = path.join(dir, 'pm');
    this.podmanBase = ['--root', path.join(pm, 'storage'), '--runroot', path.join(pm, 'run'), '--tmpdir', path.join(pm, 'tmp'), '--storage-driver', 'vfs', '--events-backend', 'file', '--cgroup-manager', 'cgroupfs'];
    const rootfs = path.join(this.bundle, 'rootfs');
    for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'dd', 'true']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    command('runc', ['spec', '--bundle', this.bundle]);
    this.spec = JSON.parse(fs.readFileSync(path.join(this.bundle, 'config.json'), 'utf8')) as typeof this.spec;
    this.spec.process = { ...this.spec.process, terminal: false };
    this.spec['root'] = { path: 'rootfs', readonly: false };
  }

  /** The container's CPU seconds for `script` under `seccomp` (none when undefined). */
  run(script: string, seccomp: SpecSeccomp | undefined): number {
    const linux = { ...this.spec.linux };
    if (seccomp === undefined) delete linux['seccomp'];
    else linux['seccomp'] = seccomp;
    const spec = { ...this.spec, process: { ...this.spec.process, args: ['/bin/sh', '-c', script] }, linux };
    fs.writeFileSync(path.join(this.bundle, 'config.json'), JSON.stringify(spec));
    const id = `bsc${process.pid}-${this.next++}`;
    return cpuSeconds(command('runc', ['--root', this.runcRoot, 'run', '--bundle', this.bundle, id]));
  }

  /** The seccomp section podman writes into its runc bundle for the same image. */
  podmanProfile(): SpecSeccomp {
    this.podmanUsed = true;
    const podman = (args: string[]): string => command('podman', [...this.podmanBase, ...args]).trim();
    const tarball = path.join(this.dir, 'rootfs.tar');
    command('tar', ['--numeric-owner', '-C', path.join(this.bundle, 'rootfs'), '-cf', tarball, '.']);
    podman(['import', tarball, 'localhost/seccomp-bench:1']);
    const id = podman(['create', ...PODMAN_FLAGS, 'localhost/seccomp-bench:1', 'true']);
    podman(['init', id]);
    const config = JSON.parse(fs.readFileSync(podman(['inspect', '--format', '{{.OCIConfigPath}}', id]), 'utf8')) as { linux?: { seccomp?: SpecSeccomp } };
    podman(['rm', '-f', id]);
    if (config.linux?.seccomp === undefined) throw new Error("podman's runc bundle has no seccomp section");
    return config.linux.seccomp;
  }

  cleanup(): void {
    const list = spawnSync('runc', ['--root', this.runcRoot, 'list', '-q'], { encoding: 'utf8' }).stdout ?? '';
    for (const id of list.split('\n').filter(Boolean)) spawnSync('runc', ['--root', this.runcRoot, 'delete', '-f', id]);
    if (this.podmanUsed) spawnSync('podman', [...this.podmanBase, 'rm', '-af', '-t', '0']);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const lab = new Lab(fs.mkdtempSync(path.join(parent, 'bsc-')));
  const onSignal = (): void => {
    lab.cleanup();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const host = await detectHost();
    const cases: Array<{ name: string; seccomp: SpecSeccomp | undefined }> = [
      { name: "berth's default profile", seccomp: defaultSeccompProfile(DEFAULT_CAPABILITIES, host) },
    ];
    if (spawnSync('podman', ['--version']).status === 0) {
      try {
        cases.push({ name: "podman's profile", seccomp: lab.podmanProfile() });
      } catch (err) {
        console.log(`podman skipped: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    cases.push({ name: 'no filter', seccomp: undefined });

    console.log(`seccomp cost under ${(command('runc', ['--version']).split('\n')[0] ?? '').trim()}, kernel ${host.kernel.release}: container CPU time, median of ${rounds} interleaved rounds`);
    for (const work of workloads) {
      const seconds = cases.map((): number[] => []);
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < cases.length; k++) {
          const i = (round + k) % cases.length;
          seconds[i]?.push(lab.run(work.script, cases[i]?.seccomp));
        }
      }
      const scale = work.unit === 'ns' ? 1e9 : 1e6;
      const perOp = seconds.map((s) => ([...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] ?? NaN) * scale / work.ops);
      const anchor = perOp[cases.findIndex((c) => c.name === "podman's profile")];
      const floor = perOp[cases.length - 1] ?? NaN;
      console.log(`\n${work.name}`);
      for (const [i, c] of cases.entries()) {
        const cost = perOp[i] ?? NaN;
        const ratio = anchor === undefined ? '' : `  ${(cost / anchor).toFixed(2)}× podman's`;
        const over = c.seccomp === undefined ? '' : `  filter +${(cost - floor).toFixed(1)} ${work.unit}`;
        console.log(`  ${c.name.padEnd(26)} ${cost.toFixed(1).padStart(8)} ${work.unit}${ratio}${over}`);
      }
    }
  } finally {
    lab.cleanup();
  }
}

await main();
