/*
 * The runtime spec as a runtime applies it: a busybox bundle whose config.json comes from
 * buildSpec, run with `runc run` (and crun, through runtimeInvocation, when the host has
 * it), no conmon. The container reports what it sees (capabilities, seccomp mode, masked
 * and read-only /proc paths, its cgroup limits, rlimits) and the test compares that with
 * what was asked. Every container, bundle and cgroup directory is removed afterwards,
 * also when an assertion fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import {
  DEFAULT_CAPABILITIES,
  buildSpec,
  capabilityMask,
  detectHost,
  runtimeInvocation,
  specToJson,
  type ContainerSpecInput,
  type HostInfo,
  type RuntimeName,
} from '../../src/runtime/index.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const EXTRA_APPLETS = ['grep', 'seq', 'unshare', 'wc', 'head', 'hostname', 'tr', 'cut'];
const MiB = 1024 * 1024;
/** Masked files that have content on the host, so that "reads empty" means something. */
const MASKED_CANDIDATES = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug'];

let host: HostInfo;
let work = '';
let rootfs = '';
const cgroupParent = `berth-it-${process.pid}-${randomBytes(3).toString('hex')}`;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function runArgv(argv: string[], timeoutMs = 60_000): Promise<Outcome> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Every cgroup hierarchy the runtimes may have made directories in. */
function hierarchies(): string[] {
  const dirs = host.cgroup.v1.map((h) => h.mountpoint);
  if (host.cgroup.unifiedMountpoint !== undefined) dirs.push(host.cgroup.unifiedMountpoint);
  return dirs;
}

/** rmdir a cgroup, killing anything left in it first (a failed run may leave processes behind). */
async function removeCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch {
      const procs = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter((p) => p !== '');
      for (const pid of procs) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Runs `script` under `sh -c` in a fresh container made from `input`, with `runtime`,
 * and registers the clean-up (runtime delete, cgroup directories) with the test.
 */
async function runContainer(t: TestContext, runtime: RuntimeName, script: string, input: Partial<ContainerSpecInput> = {}): Promise<Outcome> {
  const id = `berth-it-${randomBytes(6).toString('hex')}`;
  const bundle = join(work, 'bundles', id);
  const prefix = runtimeInvocation(runtime, host);
  t.after(async () => {
    await runArgv([...prefix, 'delete', '-f', id]).catch(() => undefined);
    for (const h of hierarchies()) await removeCgroup(join(h, cgroupParent, id));
    await rm(bundle, { recursive: true, force: true });
  });
  const spec = buildSpec({ rootfs, args: ['sh', '-c', script], hostname: 'spec-test', cgroupsPath: `/${cgroupParent}/${id}`, ...input }, host);
  await mkdir(bundle, { recursive: true });
  await writeFile(join(bundle, 'config.json'), specToJson(spec));
  return runArgv([...prefix, 'run', '--bundle', bundle, id]);
}

/** `key=value` lines (and /proc/self/status `Key:\tvalue` lines) of a container's output. */
function fields(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z_/.]+)(?:=|:\s+)(.*)$/.exec(line.trim());
    if (m !== null) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

function cgroupFile(controller: 'memory' | 'pids'): string {
  if (host.cgroup.layout === 'v2') return controller === 'memory' ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/pids.max';
  return controller === 'memory' ? '/sys/fs/cgroup/memory/memory.limit_in_bytes' : '/sys/fs/cgroup/pids/pids.max';
}

/** Why `runtime` cannot be tested here, or undefined when it can. */
function unusable(runtime: RuntimeName): string | undefined {
  if (host.runtimes[runtime] === undefined) return `${runtime} is not installed`;
  try {
    runtimeInvocation(runtime, host);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

before(async () => {
  host = await detectHost();
  if (host.runtimes.runc === undefined) return;
  work = await mkdtemp(join(tmpdir(), 'berth-runtime-spec-'));
  ({ rootfs } = await makeBusyboxRootfs(work));
  for (const applet of EXTRA_APPLETS) await symlink('busybox', join(rootfs, 'bin', applet));
});

after(async () => {
  if (host?.runtimes.runc !== undefined) for (const h of hierarchies()) await removeCgroup(join(h, cgroupParent));
  if (work !== '') await rm(work, { recursive: true, force: true });
});

for (const runtime of ['runc', 'crun'] as const) {
  const skipReason = (): string | undefined => (host.runtimes.runc === undefined ? 'runc is not installed' : unusable(runtime));

  test(`${runtime}: default capabilities, seccomp, masked and read-only paths, memory limit, rlimits`, async (t) => {
    const reason = skipReason();
    if (reason !== undefined) return t.skip(reason);
    const masked = MASKED_CANDIDATES.filter((p) => existsSync(p) && statSync(p).isFile() && readFileSync(p).subarray(0, 16).length > 0);
    assert.ok(masked.length > 0, 'no masked /proc file with content on this host to check');
    const script = [
      'echo "uid=$(id -u)"',
      'grep -E "^(Cap|Seccomp:)" /proc/self/status',
      ...masked.map((p) => `echo "${p}=$(wc -c < ${p})"`),
      'if echo x 2>/dev/null > /proc/sys/kernel/domainname; then echo procsys=writable; else echo procsys=refused; fi',
      `echo "memory=$(cat ${cgroupFile('memory')})"`,
      'echo "nofile=$(grep "Max open files" /proc/self/limits | tr -s " " | cut -d" " -f4,5)"',
      'echo "host=$(hostname)"',
      'unshare -U true 2>/dev/null; echo "unshare=$?"',
    ].join('; ');
    const r = await runContainer(t, runtime, script, {
      resources: { memory: 64 * MiB },
      rlimits: [{ type: 'nofile', soft: 100, hard: 200 }],
    });
    assert.equal(r.code, 0, `${runtime} run failed: ${r.stderr}`);
    const f = fields(r.stdout);
    const mask = capabilityMask(DEFAULT_CAPABILITIES);
    assert.equal(f.get('uid'), '0');
    assert.equal(f.get('CapBnd'), mask, r.stdout);
    assert.equal(f.get('CapEff'), mask);
    assert.equal(f.get('CapPrm'), mask);
    assert.equal(f.get('CapInh'), '0000000000000000');
    assert.equal(f.get('CapAmb'), '0000000000000000');
    assert.equal(f.get('Seccomp'), '2', 'seccomp filter mode');
    for (const p of masked) assert.equal(f.get(p), '0', `${p} is masked`);
    assert.equal(f.get('procsys'), 'refused', '/proc/sys is read-only');
    assert.equal(f.get('memory'), String(64 * MiB));
    assert.equal(f.get('host'), 'spec-test');
    assert.equal(f.get('nofile'), '100 200', 'rlimits applied');
    // unshare(CLONE_NEWUSER) needs no capability: only the seccomp profile refuses it
    assert.equal(f.get('unshare'), '1');
  });

  test(`${runtime}: with seccomp unconfined and the same capabilities, the syscall the profile blocked goes through`, async (t) => {
    const reason = skipReason() ?? (host.features.userNamespaces ? undefined : 'user namespaces are disabled on this host');
    if (reason !== undefined) return t.skip(reason);
    const r = await runContainer(t, runtime, 'grep "^Seccomp:" /proc/self/status; unshare -U true; echo "unshare=$?"', { seccomp: 'unconfined' });
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.equal(f.get('Seccomp'), '0');
    assert.equal(f.get('unshare'), '0', r.stderr);
  });

  test(`${runtime}: a pids limit refuses forks beyond it`, async (t) => {
    const reason = skipReason();
    if (reason !== undefined) return t.skip(reason);
    const script = `echo "pids=$(cat ${cgroupFile('pids')})"; for i in $(seq 50); do sleep 5 & done; echo forked=all`;
    const r = await runContainer(t, runtime, script, { resources: { pidsLimit: 10 } });
    const f = fields(r.stdout);
    assert.equal(f.get('pids'), '10');
    assert.equal(f.get('forked'), undefined, 'the loop must not get through 50 forks');
    assert.match(r.stderr, /can't fork|Resource temporarily unavailable/);
    assert.notEqual(r.code, 0);
  });
}
