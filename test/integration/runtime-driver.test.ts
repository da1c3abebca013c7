/*
 * The runtime driver against the real conmon and runc: exit codes, logs, signals,
 * pause, attach, resize, exec, errors from the runtime, a new driver carrying on after
 * the old one was SIGKILLed, and delete leaving nothing behind. Every test has its own
 * run directory and removes every container, conmon, mount and cgroup it made.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isNotFound } from '../../src/lib/index.js';
import { detectHost, runtimeInvocation } from '../../src/runtime/index.js';
import { type AttachChunk, type AttachSession } from '../../src/runtime/conmon-attach.js';
import { RuntimeError } from '../../src/runtime/driver-errors.js';
import { RuntimeDriver } from '../../src/runtime/driver.js';
import { readLogs } from '../../src/runtime/logs-read.js';
import { type LogEntry } from '../../src/runtime/logs.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const run = promisify(execFile);
const runc = '/usr/bin/runc';
const conmon = '/usr/bin/conmon';
const crunSkip = (): string | false => (existsSync('/usr/bin/crun') ? false : 'crun is not installed');
const skip =
  process.getuid?.() !== 0 ? 'needs root' : !existsSync(runc) || !existsSync(conmon) ? 'needs runc and conmon (apt-get install runc conmon)' : false;

interface Rig {
  dir: string;
  runDir: string;
  driver: RuntimeDriver;
  /** A bundle running `args` on the shared busybox rootfs. */
  bundle(name: string, args: string[], options?: { terminal?: boolean; hostPid?: boolean }): string;
  logPath(name: string): string;
  id(name: string): string;
}

let template: Record<string, unknown> | undefined;

/** `runc spec` once, as the base every bundle patches. */
async function specTemplate(): Promise<Record<string, unknown>> {
  if (template !== undefined) return template;
  const dir = mkdtempSync('/tmp/brt-spec-');
  try {
    await run(runc, ['spec', '--rootless=false', '--bundle', dir]);
    template = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return template;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withRig(fn: (rig: Rig) => Promise<void>): Promise<void> {
  // Short paths: the attach socket's address must fit in 107 bytes.
  const dir = mkdtempSync('/tmp/brt-');
  const runDir = path.join(dir, 'run');
  const { rootfs } = await makeBusyboxRootfs(dir);
  const base = await specTemplate();
  const suffix = path.basename(dir).slice(4).toLowerCase();
  const rig: Rig = {
    dir,
    runDir,
    driver: new RuntimeDriver({ runDir }),
    bundle(name, args, options = {}) {
      const bundle = path.join(dir, 'bundles', name);
      mkdirSync(bundle, { recursive: true });
      const spec = structuredClone(base) as {
        process: { terminal: boolean; args: string[] };
        root: { path: string; readonly: boolean };
        linux: { namespaces: Array<{ type: string }> };
      };
      spec.process.terminal = options.terminal ?? false;
      spec.process.args = args;
      spec.root = { path: rootfs, readonly: true };
      if (options.hostPid === true) spec.linux.namespaces = spec.linux.namespaces.filter((ns) => ns.type !== 'pid');
      writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
      return bundle;
    },
    logPath: (name) => path.join(dir, 'logs', `${name}.log`),
    id: (name) => `${name}-${suffix}`,
  };
  try {
    await fn(rig);
  } finally {
    await sweep(runDir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** conmon processes whose command line mentions `runDir` (zombies have none). */
function ourConmons(runDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.split('\0')[0]?.endsWith('conmon') && cmdline.includes(runDir)) pids.push(Number(entry));
  }
  return pids;
}

async function runcIds(runDir: string): Promise<string[]> {
  const { stdout } = await run(runc, ['--root', path.join(runDir, 'runc'), 'list', '-q']);
  return stdout.split('\n').filter((line) => line !== '');
}

/** Whatever a test left: runc delete -f, SIGKILL to conmon; then check nothing of ours remains. */
async function sweep(runDir: string): Promise<void> {
  if (existsSync(path.join(runDir, 'runc'))) {
    for (const id of await runcIds(runDir)) await run(runc, ['--root', path.join(runDir, 'runc'), 'delete', '-f', id]).catch(() => undefined);
  }
  for (const pid of ourConmons(runDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 3000;
  while (ourConmons(runDir).length > 0 && Date.now() < deadline) await sleep(20);
  assert.deepEqual(ourConmons(runDir), [], 'a conmon of this test is still running');
  if (existsSync(path.join(runDir, 'runc'))) assert.deepEqual(await runcIds(runDir), [], 'runc still lists containers');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function entries(logPath: string): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const entry of readLogs(logPath)) out.push(entry);
  return out;
}

async function collect(session: AttachSession): Promise<AttachChunk[]> {
  const chunks: AttachChunk[] = [];
  for await (const chunk of session.output) chunks.push(chunk);
  return chunks;
}

function text(chunks: AttachChunk[], stream: 'stdout' | 'stderr'): string {
  return Buffer.concat(chunks.filter((c) => c.stream === stream).map((c) => c.data)).toString();
}

function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => resolve(Buffer.concat(parts).toString()));
    stream.on('error', reject);
  });
}

/** Cgroup directories named after a container, anywhere in the v1 hierarchies we use. */
function cgroupDirsOf(id: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4) return;
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === id) found.push(path.join(dir, name));
      walk(path.join(dir, name), depth + 1);
    }
  };
  for (const controller of ['memory', 'pids', 'freezer']) walk(`/sys/fs/cgroup/${controller}`, 0);
  return found;
}

test('echo hi: the log has "hi" and the exit code is 0', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const c = id('echo');
    const pid = await driver.create(c, bundle('echo', ['echo', 'hi']), { terminal: false, stdin: false, logPath: logPath('echo') });
    assert.ok(pid > 0);
    assert.equal((await driver.state(c)).status, 'created');
    await driver.start(c);
    assert.equal(await driver.wait(c), 0);
    const log = await entries(logPath('echo'));
    assert.deepEqual(
      log.map((e) => [e.stream, e.line, e.partial]),
      [['stdout', 'hi', false]],
    );
    const state = await driver.state(c);
    assert.equal(state.status, 'stopped');
    assert.equal(state.exitCode, 0);
    await driver.delete(c);
  }),
);

test('exit codes: exit 3 is 3; SIGKILL is 137; SIGTERM is 143', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const three = id('three');
    await driver.create(three, bundle('three', ['sh', '-c', 'exit 3']), { terminal: false, stdin: false, logPath: logPath('three') });
    await driver.start(three);
    assert.equal(await driver.wait(three), 3);
    assert.equal(await driver.exitCode(three), 3);

    const killed = id('killed');
    await driver.create(killed, bundle('killed', ['sleep', '100']), { terminal: false, stdin: false, logPath: logPath('killed') });
    assert.equal(await driver.exitCode(killed), undefined);
    await driver.start(killed);
    const running = await driver.state(killed);
    assert.equal(running.status, 'running');
    assert.ok(running.pid > 0 && running.conmonPid !== undefined);
    await driver.kill(killed, 'SIGKILL');
    assert.equal(await driver.wait(killed), 137);

    // A pid namespace's init ignores SIGTERM without a handler (as `docker stop` of a
    // plain `sleep` shows), so this one shares the host's pid namespace.
    const termed = id('termed');
    await driver.create(termed, bundle('termed', ['sleep', '100'], { hostPid: true }), { terminal: false, stdin: false, logPath: logPath('termed') });
    await driver.start(termed);
    await driver.kill(termed, 'TERM');
    assert.equal(await driver.wait(termed), 143);
    for (const c of [three, killed, termed]) await driver.delete(c);
  }),
);

test('stdout and stderr reach the log with their stream names; an unfinished line is partial', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const c = id('streams');
    const script = 'echo to-out; echo to-err >&2; echo out-again; printf no-newline';
    await driver.create(c, bundle('streams', ['sh', '-c', script]), { terminal: false, stdin: false, logPath: logPath('streams') });
    await driver.start(c);
    assert.equal(await driver.wait(c), 0);
    const log = await entries(logPath('streams'));
    assert.deepEqual(
      log.map((e) => [e.stream, e.line]).sort(),
      [
        ['stderr', 'to-err'],
        ['stdout', 'no-newline'],
        ['stdout', 'out-again'],
        ['stdout', 'to-out'],
      ],
    );
    assert.equal(log.find((e) => e.line === 'no-newline')?.partial, true);
    assert.deepEqual(
      (await entries(logPath('streams'))).filter((e) => e.stream === 'stdout' && !e.partial).map((e) => e.line),
      ['to-out', 'out-again'],
    );
    await driver.delete(c);
  }),
);

test('a missing command fails at create with the runtime message, maps to 127, and leaves nothing', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id, runDir }) => {
    const c = id('missing');
    const b = bundle('missing', ['/nonexistent']);
    const err = await driver.create(c, b, { terminal: false, stdin: false, logPath: logPath('missing') }).then(
      () => assert.fail('create should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RuntimeError, String(err));
    assert.match(err.message, /\/nonexistent/);
    assert.match(err.runtimeMessage, /no such file or directory/);
    assert.equal(err.exitCodeHint, 127);
    assert.deepEqual(await driver.list(), []);
    await assert.rejects(driver.state(c), (e: unknown) => isNotFound(e));
    assert.deepEqual(await runcIds(runDir), []);
    assert.deepEqual(readdirSync(path.join(runDir, 'sock')), []);
    assert.deepEqual(readdirSync(b), ['config.json']);
  }),
);

test('creating an id in use is refused', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const c = id('twice');
    await driver.create(c, bundle('twice', ['true']), { terminal: false, stdin: false, logPath: logPath('twice') });
    await assert.rejects(
      driver.create(c, bundle('twice', ['true']), { terminal: false, stdin: false, logPath: logPath('twice') }),
      (e: unknown) => (e as { kind?: string }).kind === 'already-exists',
    );
    await driver.delete(c, true);
  }),
);

test('crun through the host invocation (a wrapper script on hybrid cgroup hosts)', { skip: skip || crunSkip() }, () =>
  withRig(async ({ bundle, logPath, id, runDir }) => {
    const host = await detectHost();
    const driver = new RuntimeDriver({ runDir, runtimeCommand: runtimeInvocation('crun', host) });
    const c = id('crun');
    await driver.create(c, bundle('crun', ['sh', '-c', 'echo via crun; exit 6']), { terminal: false, stdin: false, logPath: logPath('crun') });
    await driver.start(c);
    assert.equal(await driver.wait(c), 6);
    assert.deepEqual(
      (await entries(logPath('crun'))).map((e) => e.line),
      ['via crun'],
    );
    await driver.delete(c);
    const { stdout } = await run('/usr/bin/crun', ['--root', path.join(runDir, 'runc'), 'list', '-q']);
    assert.equal(stdout.trim(), '');
  }),
);

test('pause and resume change the state of a running container', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const c = id('pause');
    await driver.create(c, bundle('pause', ['sleep', '100']), { terminal: false, stdin: false, logPath: logPath('pause') });
    await driver.start(c);
    await driver.pause(c);
    assert.equal((await driver.state(c)).status, 'paused');
    await assert.rejects(driver.pause(c));
    await driver.resume(c);
    assert.equal((await driver.state(c)).status, 'running');
    await driver.kill(c, 9);
    assert.equal(await driver.wait(c), 137);
    await driver.delete(c);
  }),
);

test('a new driver finds what a SIGKILLed one started, and exits that happened meanwhile', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id, runDir }) => {
    const long = id('long');
    const short = id('short');
    const driverModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/runtime/driver.js');
    const script = `
      import { RuntimeDriver } from ${JSON.stringify(driverModule)};
      const d = new RuntimeDriver({ runDir: ${JSON.stringify(runDir)} });
      await d.create(${JSON.stringify(long)}, ${JSON.stringify(bundle('long', ['sleep', '100']))}, { terminal: false, stdin: false, logPath: ${JSON.stringify(logPath('long'))} });
      await d.start(${JSON.stringify(long)});
      await d.create(${JSON.stringify(short)}, ${JSON.stringify(bundle('short', ['sh', '-c', 'sleep 0.5; echo bye; exit 7']))}, { terminal: false, stdin: false, logPath: ${JSON.stringify(logPath('short'))} });
      await d.start(${JSON.stringify(short)});
      process.stdout.write('ready\\n');
      setInterval(() => undefined, 1000);
    `;
    const daemon = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      daemon.stdout.on('data', (c: Buffer) => (c.toString().includes('ready') ? resolve() : undefined));
      daemon.on('exit', (code) => reject(new Error(`the first driver exited with ${code}`)));
    });
    daemon.kill('SIGKILL');
    await new Promise((resolve) => daemon.on('close', resolve));
    await sleep(1000); // `short` exits while no driver is up

    const again = new RuntimeDriver({ runDir });
    const found = new Map((await again.list()).map((c) => [c.id, c]));
    assert.equal(found.get(long)?.status, 'running');
    assert.ok(found.get(long)?.conmonPid !== undefined, 'conmon of the running container survived its creator');
    assert.equal(found.get(short)?.status, 'stopped');
    assert.equal(found.get(short)?.exitCode, 7);
    assert.equal(await again.exitCode(short), 7);
    assert.equal(await again.wait(short), 7);
    assert.deepEqual(
      (await entries(found.get(short)?.logPath ?? '')).map((e) => e.line),
      ['bye'],
    );
    await again.kill(long, 'KILL');
    assert.equal(await again.wait(long), 137);
    assert.equal(driver.layout.runDir, again.layout.runDir);
    await again.delete(long);
    await again.delete(short);
    assert.deepEqual(await again.list(), []);
  }),
);

test('delete refuses a running container without force and then removes everything', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id, runDir }) => {
    const c = id('del');
    const b = bundle('del', ['sleep', '100']);
    await driver.create(c, b, { terminal: false, stdin: true, logPath: logPath('del') });
    await driver.start(c);
    const { conmonPid } = await driver.state(c);
    assert.ok(conmonPid !== undefined);
    assert.ok(cgroupDirsOf(c).length > 0, 'the container has cgroups');
    await assert.rejects(driver.delete(c), (e: unknown) => (e as { kind?: string }).kind === 'failed-precondition');
    await driver.delete(c, true);
    await assert.rejects(driver.state(c), (e: unknown) => isNotFound(e));
    await assert.rejects(driver.delete(c), (e: unknown) => isNotFound(e));
    assert.deepEqual(await runcIds(runDir), []);
    assert.deepEqual(readdirSync(path.join(runDir, 'containers')), []);
    assert.deepEqual(readdirSync(path.join(runDir, 'exits')), []);
    assert.deepEqual(readdirSync(path.join(runDir, 'sock')), []);
    assert.deepEqual(readdirSync(b), ['config.json']);
    assert.deepEqual(ourConmons(runDir), []);
    assert.deepEqual(cgroupDirsOf(c), []);
    assert.ok(existsSync(logPath('del')), 'the log is the caller’s and stays');
  }),
);

test('attach: stdin goes in, stdout and stderr come out, EOF on stdin reaches the process', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const c = id('attach');
    await driver.create(c, bundle('attach', ['sh', '-c', 'cat; echo done >&2']), { terminal: false, stdin: true, logPath: logPath('attach') });
    const session = await driver.attach(c);
    const output = collect(session);
    await driver.start(c);
    session.stdin.write('hello\n');
    session.stdin.end('world\n');
    const chunks = await output;
    assert.equal(text(chunks, 'stdout'), 'hello\nworld\n');
    assert.equal(text(chunks, 'stderr'), 'done\n');
    assert.equal(await driver.wait(c), 0);
    assert.deepEqual(
      (await entries(logPath('attach'))).map((e) => [e.stream, e.line]),
      [
        ['stdout', 'hello'],
        ['stdout', 'world'],
        ['stderr', 'done'],
      ],
    );
    await driver.delete(c);
    await assert.rejects(driver.attach(c), (e: unknown) => isNotFound(e));
  }),
);

test('terminal: resize through conmon reaches the container', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const c = id('tty');
    await driver.create(c, bundle('tty', ['sh', '-c', 'read x; /bin/busybox stty size'], { terminal: true }), {
      terminal: true,
      stdin: true,
      logPath: logPath('tty'),
    });
    const session = await driver.attach(c);
    const output = collect(session);
    await driver.start(c);
    await driver.resize(c, 100, 40);
    await sleep(100);
    session.stdin.write('go\n');
    assert.equal(await driver.wait(c), 0);
    session.detach();
    const chunks = await output;
    assert.match(text(chunks, 'stdout'), /40 100/);
    assert.equal(text(chunks, 'stderr'), '');
    await driver.delete(c);
  }),
);

test('exec runs processes in a running container, with pipes or a terminal', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id, runDir }) => {
    const c = id('exec');
    await driver.create(c, bundle('exec', ['sleep', '100']), { terminal: false, stdin: false, logPath: logPath('exec') });
    await driver.start(c);

    const piped = await driver.exec(c, { args: ['sh', '-c', 'read x; echo "got $x"; echo err >&2; exit 5'], env: ['PATH=/bin'] }, { terminal: false });
    piped.stdin.end('input\n');
    const [out, err, code] = await Promise.all([readStream(piped.stdout), readStream(piped.stderr), piped.exit]);
    assert.deepEqual([out, err, code], ['got input\n', 'err\n', 5]);

    const tty = await driver.exec(c, { args: ['sh', '-c', 'read x; /bin/busybox tty; /bin/busybox stty size; exit 4'], env: ['PATH=/bin'] }, { terminal: true });
    const ttyOut = readStream(tty.stdout);
    assert.ok(tty.resize !== undefined);
    await tty.resize(90, 30);
    await sleep(100);
    tty.stdin.write('go\n');
    assert.equal(await tty.exit, 4);
    assert.match(await ttyOut, /\/dev\/pts\/\d+\r?\n30 90/);
    assert.deepEqual(readdirSync(path.join(runDir, 'xsock')), [], 'the session cleaned up after itself');

    const missing = await driver.exec(c, { args: ['/nonexistent'] }, { terminal: false });
    missing.stdin.end();
    const failure = await missing.exit.then(
      () => assert.fail('exec of a missing command should fail'),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof RuntimeError, String(failure));
    assert.equal(failure.exitCodeHint, 127);

    await driver.delete(c, true);
  }),
);

test('logs: follow until the container exits, tail and since', { skip }, () =>
  withRig(async ({ driver, bundle, logPath, id }) => {
    const c = id('follow');
    await driver.create(c, bundle('follow', ['sh', '-c', 'echo a; sleep 0.4; echo b; sleep 0.2; echo c >&2']), {
      terminal: false,
      stdin: false,
      logPath: logPath('follow'),
    });
    await driver.start(c);
    const followed: string[] = [];
    for await (const entry of readLogs(logPath('follow'), { follow: true, stopWhen: driver.wait(c) })) followed.push(entry.line);
    assert.deepEqual(followed, ['a', 'b', 'c']);
    const all = await entries(logPath('follow'));
    const tail: string[] = [];
    for await (const entry of readLogs(logPath('follow'), { tail: 2 })) tail.push(entry.line);
    assert.deepEqual(tail, ['b', 'c']);
    const since: string[] = [];
    for await (const entry of readLogs(logPath('follow'), { since: all[1]?.timestamp ?? '', streams: ['stdout'] })) since.push(entry.line);
    assert.deepEqual(since, ['b']);
    await driver.delete(c);
  }),
);
