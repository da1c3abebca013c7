/*
 * The container tools against a real container: a busybox bundle from buildSpec, started
 * detached with `runc run -d` (no conmon) and given to exec, stats, top, the archive
 * functions and the health monitor through a ContainerHandle. The container, its runc
 * state, its cgroup directories and the temp dir are removed afterwards, also on failure.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import tar from 'tar-stream';
import { getArchive, putArchive, statPath } from '../../src/engine/containers/archive.js';
import { cgroupPathsOf } from '../../src/engine/containers/cgroup-paths.js';
import { startExec, type ExecProcess } from '../../src/engine/containers/exec.js';
import type { ContainerHandle } from '../../src/engine/containers/handle.js';
import { HealthMonitor } from '../../src/engine/containers/health.js';
import { readStats } from '../../src/engine/containers/stats.js';
import { top } from '../../src/engine/containers/top.js';
import type { ExecRequest } from '../../src/engine/containers/types.js';
import { buildSpec, detectHost, specToJson, type HostInfo } from '../../src/runtime/index.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const EXTRA_APPLETS = ['tty', 'stty', 'touch', 'rm', 'test'];

let host: HostInfo | undefined;
let work = '';
let handle: ContainerHandle | undefined;
const cgroupParent = `berth-tools-${process.pid}-${randomBytes(3).toString('hex')}`;
const id = `berth-tools-${randomBytes(4).toString('hex')}`;

const skip = (): string | undefined =>
  process.getuid?.() !== 0 ? 'needs root' : host?.runtimes.runc === undefined ? 'runc is not installed' : undefined;

function runFile(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function hierarchies(h: HostInfo): string[] {
  const dirs = h.cgroup.v1.map((x) => x.mountpoint);
  if (h.cgroup.unifiedMountpoint !== undefined) dirs.push(h.cgroup.unifiedMountpoint);
  return dirs;
}

/** rmdir a cgroup, killing what is left in it first. */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 20 && existsSync(dir); attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch {
      const procs = (await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter((p) => p !== '');
      for (const pid of procs) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

before(async () => {
  host = await detectHost();
  if (skip() !== undefined) return;
  const runc = host.runtimes.runc!.path;
  work = await mkdtemp(path.join(tmpdir(), 'berth-tools-'));
  const { rootfs } = await makeBusyboxRootfs(work);
  for (const applet of EXTRA_APPLETS) await symlink('busybox', path.join(rootfs, 'bin', applet));
  const bundle = path.join(work, 'bundle');
  const runtimeRoot = path.join(work, 'run', 'runc');
  await mkdir(bundle, { recursive: true });
  const spec = buildSpec({ rootfs, args: ['sleep', '60'], env: ['GREETING=hello'], cgroupsPath: `/${cgroupParent}/${id}` }, host);
  await writeFile(path.join(bundle, 'config.json'), specToJson(spec));
  const pidFile = path.join(work, 'init.pid');
  // Detached, the container keeps runc's stdio: files, not pipes we would wait on.
  const runLog = path.join(work, 'run-d.log');
  const logFd = openSync(runLog, 'w');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(runc, ['--root', runtimeRoot, 'run', '-d', '--bundle', bundle, '--pid-file', pidFile, id], { stdio: ['ignore', 'ignore', logFd] });
    child.once('error', reject);
    child.once('exit', resolve);
  }).finally(() => closeSync(logFd));
  assert.equal(code, 0, `runc run -d failed: ${readFileSync(runLog, 'utf8')}`);
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  handle = {
    id,
    runtimeRoot,
    runtimePath: runc,
    pid,
    rootfsPath: rootfs,
    cgroupPaths: await cgroupPathsOf(pid),
    env: spec.process.env,
    user: '',
    workingDir: '/',
    bundlePath: bundle,
  };
});

after(async () => {
  if (host === undefined || skip() !== undefined) return;
  const runc = host.runtimes.runc!.path;
  const runtimeRoot = path.join(work, 'run', 'runc');
  if (work !== '') {
    await runFile(runc, ['--root', runtimeRoot, 'kill', id, 'KILL']);
    await runFile(runc, ['--root', runtimeRoot, 'delete', '-f', id]);
  }
  for (const h of hierarchies(host)) {
    await removeCgroup(path.join(h, cgroupParent, id));
    await removeCgroup(path.join(h, cgroupParent));
  }
  if (work !== '') await rm(work, { recursive: true, force: true });
  for (const h of hierarchies(host)) assert.ok(!existsSync(path.join(h, cgroupParent)), `cgroup ${cgroupParent} left in ${h}`);
});

function container(): ContainerHandle {
  if (handle === undefined) throw new Error('no container');
  return handle;
}

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  session: ExecProcess;
}

/** Runs an exec to the end, feeding `input` lines (each after the previous one had time to land). */
async function execute(request: ExecRequest, input: string[] = [], options: { resize?: [number, number] } = {}): Promise<ExecResult> {
  const session = await startExec(container(), request, { stateDir: path.join(work, 'exec') });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of session.output) (chunk.stream === 'stdout' ? out : err).push(chunk.data);
  })();
  if (options.resize !== undefined) await session.resize?.(...options.resize);
  for (const line of input) {
    await new Promise((r) => setTimeout(r, 150));
    session.stdin?.write(line);
  }
  if (request.attachStdin === true && !request.tty) session.stdin?.end();
  const code = await session.exited;
  await reading;
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), session };
}

test('exec: output, exit codes, environment, user, stdin', async (t) => {
  if (skip() !== undefined) return t.skip(skip());
  const hi = await execute({ cmd: ['echo', 'hi'] });
  assert.deepEqual([hi.code, hi.stdout, hi.stderr], [0, 'hi\n', '']);
  assert.ok((await hi.session.pid) !== undefined, 'the process ran');

  assert.equal((await execute({ cmd: ['sh', '-c', 'exit 7'] })).code, 7);
  const both = await execute({ cmd: ['sh', '-c', 'echo out; echo err >&2'] });
  assert.deepEqual([both.stdout, both.stderr], ['out\n', 'err\n']);

  const who = await execute({ cmd: ['sh', '-c', 'echo "$GREETING $FOO"; id -u; id -g; pwd'], env: ['FOO=bar'], user: 'nobody', workingDir: '/tmp' });
  assert.deepEqual([who.code, who.stdout], [0, 'hello bar\n65534\n65534\n/tmp\n']);
  assert.equal((await execute({ cmd: ['id', '-u'], user: '1234:42' })).stdout, '1234\n');

  const echo = await execute({ cmd: ['cat'], attachStdin: true }, ['ping\n']);
  assert.deepEqual([echo.code, echo.stdout], [0, 'ping\n']);
});

test('exec: a missing command gives 127, a file that cannot be executed 126', async (t) => {
  if (skip() !== undefined) return t.skip(skip());
  const missing = await execute({ cmd: ['no-such-command'] });
  assert.equal(missing.code, 127);
  assert.match(missing.session.startError ?? '', /executable file not found/);
  assert.match(missing.stderr, /no-such-command/, 'the runtime says why');
  const notExecutable = await execute({ cmd: ['/etc/passwd'] });
  assert.equal(notExecutable.code, 126);
  assert.match(notExecutable.session.startError ?? '', /permission denied/);
});

test('exec with a tty: a pts, resizing, stdin typed into a shell', async (t) => {
  if (skip() !== undefined) return t.skip(skip());
  const ttyName = await execute({ cmd: ['tty'], tty: true });
  assert.equal(ttyName.code, 0);
  assert.match(ttyName.stdout, /^\/dev\/pts\/\d+\r\n$/);
  assert.equal(ttyName.stderr, '', 'a terminal has one output stream');

  const shell = await execute({ cmd: ['sh'], tty: true, attachStdin: true }, ['stty size; echo "TERM=$TERM"\n', 'exit 3\n'], { resize: [132, 50] });
  assert.equal(shell.code, 3);
  assert.match(shell.stdout, /50 132\r\n/);
  assert.match(shell.stdout, /TERM=xterm\r\n/);

  // A terminal's stdin has no end of its own: ending it types ^D, which ends cat.
  const session = await startExec(container(), { cmd: ['cat'], tty: true, attachStdin: true }, { stateDir: path.join(work, 'exec') });
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of session.output) chunks.push(chunk.data);
  })();
  await session.pid;
  session.stdin?.end('typed\n');
  assert.equal(await session.exited, 0);
  await reading;
  assert.match(Buffer.concat(chunks).toString(), /typed\r\ntyped\r\n/, 'echoed by the pty, then written by cat');
});

test('stats and top', async (t) => {
  if (skip() !== undefined) return t.skip(skip());
  const s = await readStats(container());
  assert.ok(s.memoryUsage > 0, `memory usage ${s.memoryUsage}`);
  assert.ok(s.pids >= 1, `pids ${s.pids}`);
  assert.ok(s.cpuTotalNs > 0);
  assert.ok(s.systemCpuNs > 0);
  assert.ok(s.onlineCpus >= 1);
  assert.ok(s.memoryLimit > 0);

  const table = await top(container());
  assert.ok(table.titles.includes('PID') && table.titles.includes('CMD'), table.titles.join(' '));
  const cmd = table.titles.indexOf('CMD');
  assert.ok(table.processes.some((p) => p[cmd] === 'sleep 60'), JSON.stringify(table.processes));
  const custom = await top(container(), '-o pid,comm');
  assert.deepEqual(custom.titles, ['PID', 'COMMAND']);
  assert.ok(custom.processes.some((p) => p[1] === 'sleep'));
});

test('archive: get a file and a directory, put a tar, links never leave the rootfs', async (t) => {
  if (skip() !== undefined) return t.skip(skip());
  const rootfs = container().rootfsPath;
  const file = await getArchive(rootfs, '/data/marker.txt');
  assert.equal(file.stat.name, 'marker.txt');
  const fileEntries = await untar(file.tar);
  assert.deepEqual(fileEntries, [['marker.txt', 'hello from berth\n']]);

  const dir = await untar((await getArchive(rootfs, '/data')).tar);
  assert.deepEqual(dir.map(([name]) => name).sort(), ['data/', 'data/marker-link.txt', 'data/marker.txt']);

  const pack = tar.pack();
  pack.entry({ name: 'copied/', type: 'directory', mode: 0o755 });
  pack.entry({ name: 'copied/put.txt', mode: 0o644 }, 'put by the test\n');
  pack.finalize();
  await putArchive(rootfs, '/tmp', Readable.from(pack, { objectMode: false }));
  const readBack = await execute({ cmd: ['cat', '/tmp/copied/put.txt'] });
  assert.deepEqual([readBack.code, readBack.stdout], [0, 'put by the test\n'], 'the container sees what was put');

  await symlink('/../../etc', path.join(rootfs, 'escape'));
  const link = await statPath(rootfs, '/escape');
  assert.equal(link.linkTarget, '/etc');
  const passwd = await untar((await getArchive(rootfs, '/escape/passwd')).tar);
  assert.match(passwd[0]?.[1] ?? '', /^root:x:0:0:root:\/root:\/bin\/sh\nnobody:x:65534/);
  assert.notEqual(passwd[0]?.[1], readFileSync('/etc/passwd', 'utf8'), 'never the host\'s /etc/passwd');
});

test('health: healthy while a marker exists, unhealthy once it is removed', async (t) => {
  if (skip() !== undefined) return t.skip(skip());
  assert.equal((await execute({ cmd: ['touch', '/tmp/healthy'] })).code, 0);
  const statuses: string[] = [];
  let changed: () => void = () => undefined;
  const monitor = new HealthMonitor({
    config: { test: ['CMD-SHELL', 'test -f /tmp/healthy'], intervalMs: 200, timeoutMs: 5000, retries: 2 },
    exec: async (cmd, signal) => {
      const r = await execute({ cmd });
      if (signal.aborted) r.session.kill();
      return { exitCode: r.code, output: r.stdout + r.stderr };
    },
    onStatus: (status) => {
      statuses.push(status);
      changed();
    },
  });
  const next = (): Promise<void> => new Promise((resolve) => (changed = resolve));
  try {
    let change = next();
    monitor.start();
    await change;
    assert.deepEqual(statuses, ['healthy']);
    change = next();
    assert.equal((await execute({ cmd: ['rm', '/tmp/healthy'] })).code, 0);
    await change;
    assert.deepEqual(statuses, ['healthy', 'unhealthy']);
    const state = monitor.state;
    assert.ok(state.failingStreak >= 2);
    assert.equal(state.log.at(-1)?.exitCode, 1);
  } finally {
    monitor.stop();
  }
});

async function untar(stream: Readable): Promise<Array<[string, string]>> {
  const extract = tar.extract();
  const out: Array<[string, string]> = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push([entry.header.name, Buffer.concat(chunks).toString()]);
    }
  })();
  for await (const chunk of stream) extract.write(chunk as Buffer);
  extract.end(null);
  await done;
  return out;
}
