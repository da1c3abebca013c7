/*
 * The engine's container service end to end: a busybox image imported into a temp root,
 * containers run by runc under conmon, driven through `openEngine` directly. Each test
 * force-removes what it made; the suite closes the engine, checks that nothing stays
 * mounted under the temp root, removes the cgroup parent and the temp dir.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, afterEach, before, test } from 'node:test';
import tar from 'tar-stream';
import { openEngine, type ContainerCreateRequest, type ContainerEvent, type ContainerRecord, type Engine, type ExecRequest } from '../../src/engine/index.js';
import { mountsUnder } from '../../src/layers/index.js';
import { errorKind } from '../../src/lib/index.js';
import { execText } from '../helpers/berth.js';
import { closeTestEngine } from '../helpers/engine.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const IMAGE = 'berth-test/busybox:latest';
const EXTRA_APPLETS = ['head', 'tr', 'wc', 'seq', 'hostname', 'kill', 'tty', 'touch', 'rm'];
const cgroupParent = `/berth-ct-${process.pid}-${randomBytes(3).toString('hex')}`;

let dir = '';
let root = '';
let run = '';
let engine: Engine;

async function open(): Promise<Engine> {
  return openEngine({ root, run, cgroupParent });
}

before(async () => {
  // A short run dir: conmon's attach socket path must fit in a sockaddr_un.
  dir = fs.mkdtempSync('/tmp/bct-');
  root = path.join(dir, 'root');
  run = path.join(dir, 'run');
  const { rootfs } = await makeBusyboxRootfs(path.join(dir, 'image'));
  for (const applet of EXTRA_APPLETS) await symlink('busybox', path.join(rootfs, 'bin', applet));
  const tarball = path.join(dir, 'image', 'busybox.tar');
  await execText('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  engine = await open();
  await engine.images.importRootfs(fs.createReadStream(tarball), { reference: IMAGE, changes: ['CMD ["sh"]', 'ENV FROM_IMAGE=yes'] });
});

afterEach(async () => {
  for (const c of await engine.containers.list({ all: true })) {
    await engine.containers.remove(c.id, { force: true }).catch(() => undefined);
  }
  assert.deepEqual(await engine.containers.list({ all: true }), []);
});

after(() => closeTestEngine(engine, dir, cgroupParent));

async function create(request: Partial<ContainerCreateRequest> & { cmd?: string[] }): Promise<string> {
  const { id } = await engine.containers.create({ image: IMAGE, ...request });
  return id;
}

async function runToExit(request: Partial<ContainerCreateRequest>): Promise<{ id: string; exitCode: number }> {
  const id = await create(request);
  const exit = engine.containers.wait(id, 'next-exit');
  await engine.containers.start(id);
  const { exitCode } = await exit;
  return { id, exitCode };
}

async function logsOf(id: string, options: { stdout?: boolean; stderr?: boolean } = {}): Promise<string> {
  let out = '';
  for await (const line of engine.containers.logs(id, options)) out += line.data.toString();
  return out;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const state = async (id: string): Promise<ContainerRecord['state']> => (await engine.containers.get(id)).state;

test('echo: output in the logs, exit 0, image env and hostname applied', async () => {
  const { id, exitCode } = await runToExit({ cmd: ['sh', '-c', 'echo hi; echo oops >&2; echo "$FROM_IMAGE $HOSTNAME $(hostname)"'] });
  assert.equal(exitCode, 0);
  const short = id.slice(0, 12);
  assert.equal(await logsOf(id, { stderr: false }), `hi\nyes ${short} ${short}\n`);
  assert.equal(await logsOf(id, { stdout: false }), 'oops\n');
  const record = await engine.containers.get(id);
  assert.equal(record.state.status, 'exited');
  assert.ok(record.state.startedAt !== undefined && record.state.finishedAt !== undefined);
  assert.equal((await engine.containers.get(short)).id, id, 'lookup by prefix');
  assert.equal((await engine.containers.get(record.name)).id, id, 'lookup by name');
  assert.match(record.name, /^[a-z]+_[a-z]+\d?$/);
});

test('exit codes: sh -c "exit 3" is 3; a missing command fails start with 127', async () => {
  assert.equal((await runToExit({ cmd: ['sh', '-c', 'exit 3'] })).exitCode, 3);
  const id = await create({ cmd: ['/no/such/command'] });
  await assert.rejects(engine.containers.start(id), (err: Error) => {
    assert.match(err.message, /no such file or directory|not found/);
    return true;
  });
  const s = await state(id);
  assert.equal(s.exitCode, 127);
  assert.notEqual(s.error, '');
  assert.equal(s.status, 'created');
});

test('create refuses bad requests the way Docker does', async () => {
  await assert.rejects(engine.containers.create({ image: 'no/such:image' }), (err: Error) => {
    assert.equal(errorKind(err), 'not-found');
    assert.equal(err.message, 'No such image: no/such:image');
    return true;
  });
  await assert.rejects(engine.containers.create({ image: IMAGE, resources: { memory: 1024 * 1024 } }), /Minimum memory limit allowed is 6MB/);
  await assert.rejects(engine.containers.create({ image: IMAGE, name: 'bad name' }), (err: Error) => errorKind(err) === 'invalid-argument');
  const id = await create({ name: 'dup', cmd: ['true'] });
  await assert.rejects(engine.containers.create({ image: IMAGE, name: 'dup' }), (err: Error) => {
    assert.equal(errorKind(err), 'conflict');
    assert.equal(
      err.message,
      `Conflict. The container name "/dup" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    return true;
  });
});

test('an image used by a container cannot be removed without force', async () => {
  const id = await create({ cmd: ['true'] });
  await assert.rejects(engine.images.remove(IMAGE), (err: Error) => {
    assert.equal(errorKind(err), 'conflict');
    assert.match(err.message, new RegExp(`container ${id.slice(0, 12)} is using its referenced image`));
    return true;
  });
});

test('user resolution: names from the image, unknown user fails at start', async () => {
  const { id, exitCode } = await runToExit({ user: 'nobody', cmd: ['id'] });
  assert.equal(exitCode, 0);
  assert.match(await logsOf(id), /uid=65534\(nobody\) gid=65534\(nogroup\)/);
  const bad = await create({ user: 'ghost', cmd: ['id'] });
  await assert.rejects(engine.containers.start(bad), /unable to find user ghost/);
});

test('stop: SIGTERM ends a trapping process (143), one ignoring it gets SIGKILL (137)', async () => {
  const trapping = await create({ cmd: ['sh', '-c', 'trap "exit 143" TERM; sleep 100 & wait'] });
  await engine.containers.start(trapping);
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the trap be set
  let t0 = Date.now();
  await engine.containers.stop(trapping, { timeoutSeconds: 10 });
  assert.ok(Date.now() - t0 < 5000, 'stopped by SIGTERM, well within the timeout');
  assert.equal((await state(trapping)).exitCode, 143);

  const ignoring = await create({ cmd: ['sleep', '100'] }); // PID 1 ignores SIGTERM
  await engine.containers.start(ignoring);
  t0 = Date.now();
  await engine.containers.stop(ignoring, { timeoutSeconds: 1 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 900 && elapsed < 5000, `SIGKILL after the 1 s timeout (${elapsed} ms)`);
  const s = await state(ignoring);
  assert.equal(s.exitCode, 137);
  assert.equal(s.status, 'exited');
});

test('kill, pause/unpause, rename', async () => {
  const id = await create({ name: 'old-name', cmd: ['sleep', '100'] });
  await engine.containers.start(id);
  await engine.containers.pause(id);
  assert.equal((await state(id)).status, 'paused');
  await assert.rejects(engine.containers.pause(id), /already paused/);
  await engine.containers.unpause(id);
  assert.equal((await state(id)).status, 'running');
  await engine.containers.rename(id, 'new-name');
  assert.equal((await engine.containers.get('new-name')).id, id);
  await assert.rejects(engine.containers.get('old-name'), (err: Error) => errorKind(err) === 'not-found');
  const exit = engine.containers.wait(id);
  await engine.containers.kill(id, '9');
  assert.equal((await exit).exitCode, 137);
  await assert.rejects(engine.containers.kill(id), (err: Error) => errorKind(err) === 'conflict');
});

test('remove: a running container needs force', async () => {
  const id = await create({ cmd: ['sleep', '100'] });
  await engine.containers.start(id);
  await assert.rejects(engine.containers.remove(id), (err: Error) => {
    assert.equal(errorKind(err), 'conflict');
    assert.equal(err.message, `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
    return true;
  });
  await engine.containers.remove(id, { force: true });
  await assert.rejects(engine.containers.get(id), (err: Error) => errorKind(err) === 'not-found');
  assert.equal(fs.existsSync(path.join(root, 'containers', id)), false);
});

test('memory limit: the OOM killer ends the container, OOMKilled and 137', async () => {
  const { id, exitCode } = await runToExit({ cmd: ['sh', '-c', 'x=aaaaaaaa; while true; do x=$x$x; done'], resources: { memory: 16 * 1024 * 1024 } });
  assert.equal(exitCode, 137);
  assert.equal((await state(id)).oomKilled, true);
});

test('pids limit: a fork loop is refused past the limit', async () => {
  const { id } = await runToExit({
    cmd: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do sleep 2 & i=$((i+1)); done; wait; echo finished'],
    resources: { pidsLimit: 10 },
  });
  assert.match(await logsOf(id), /can't fork|Resource temporarily unavailable/);
});

test('restart policy on-failure:2 restarts twice, then stays exited', async () => {
  const id = await create({ cmd: ['sh', '-c', 'echo run; exit 1'], restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } });
  await engine.containers.start(id);
  await until('two restarts', async () => {
    const c = await engine.containers.get(id);
    return c.restartCount === 2 && c.state.status === 'exited';
  });
  await new Promise((resolve) => setTimeout(resolve, 800));
  const c = await engine.containers.get(id);
  assert.equal(c.restartCount, 2);
  assert.equal(c.state.status, 'exited');
  assert.equal(c.state.exitCode, 1);
  assert.equal(await logsOf(id), 'run\nrun\nrun\n');
});

test('autoRemove removes the container after it exits', async () => {
  const id = await create({ cmd: ['true'], autoRemove: true });
  const removed = engine.containers.wait(id, 'removed');
  await engine.containers.start(id);
  assert.equal((await removed).exitCode, 0);
  await assert.rejects(engine.containers.get(id), (err: Error) => errorKind(err) === 'not-found');
});

test('attach before start sees the output; stdin reaches an -i container', async () => {
  const id = await create({ cmd: ['sh', '-c', 'read line; echo "got $line"'], openStdin: true, stdinOnce: true });
  const session = await engine.containers.attach(id, { stdin: true });
  await engine.containers.start(id);
  assert.ok(session.stdin !== undefined);
  session.stdin.end('hello\n');
  let out = '';
  for await (const line of session.output) out += line.data.toString();
  assert.equal(out, 'got hello\n');
  session.close();
});

test('re-adoption: a new engine finds a running container, and the exit of one that died meanwhile', async () => {
  const id = await create({ cmd: ['sleep', '30'], stopTimeoutSeconds: 1 });
  await engine.containers.start(id);
  await engine.close();
  engine = await open();
  assert.equal((await state(id)).status, 'running');
  await engine.containers.stop(id);
  assert.equal((await state(id)).exitCode, 137);

  await engine.containers.start(id);
  const { pid } = await state(id);
  await engine.close();
  process.kill(pid, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 500)); // conmon writes the exit file
  engine = await open();
  const s = await state(id);
  assert.equal(s.status, 'exited');
  assert.equal(s.exitCode, 137);
});

/** Runs an exec to its end: exit code, output by stream, and its ID. */
async function execIn(id: string, request: ExecRequest): Promise<{ code: number; stdout: string; stderr: string; execId: string }> {
  const execId = await engine.containers.createExec(id, request);
  const session = await engine.containers.startExec(execId);
  let stdout = '';
  let stderr = '';
  for await (const chunk of session.output) {
    if (chunk.stream === 'stdout') stdout += chunk.data.toString();
    else stderr += chunk.data.toString();
  }
  return { code: await session.exited, stdout, stderr, execId };
}

async function killAndWait(id: string): Promise<void> {
  const exit = engine.containers.wait(id, 'next-exit');
  await engine.containers.kill(id);
  await exit;
}

const conflictWith = (message: string) => (err: Error): boolean => {
  assert.equal(errorKind(err), 'conflict');
  assert.equal(err.message, message);
  return true;
};

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

function tarOf(files: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  return Readable.from(pack, { objectMode: false });
}

test('exec: output, exit code, environment, user, a tty; refused on a paused or stopped container', async () => {
  const id = await create({ cmd: ['sleep', '100'], env: ['FOO=container'] });
  await engine.containers.start(id);

  const hi = await execIn(id, { cmd: ['echo', 'hi'] });
  assert.deepEqual([hi.code, hi.stdout, hi.stderr], [0, 'hi\n', '']);
  const failing = await execIn(id, { cmd: ['sh', '-c', 'echo err >&2; exit 5'] });
  assert.deepEqual([failing.code, failing.stderr], [5, 'err\n']);
  const inspected = await engine.containers.getExec(failing.execId);
  assert.equal(inspected.containerId, id);
  assert.equal(inspected.running, false);
  assert.equal(inspected.exitCode, 5);
  assert.ok(inspected.pid > 0, `pid ${inspected.pid}`);
  await assert.rejects(engine.containers.startExec(failing.execId), conflictWith(`Error: Exec command ${failing.execId} has already run`));

  const env = await execIn(id, { cmd: ['sh', '-c', 'echo "$FOO $BAR $FROM_IMAGE $HOSTNAME $HOME"'], env: ['BAR=exec'] });
  assert.equal(env.stdout, `container exec yes ${id.slice(0, 12)} /root\n`);
  const who = await execIn(id, { cmd: ['sh', '-c', 'id -u; pwd'], user: 'nobody', workingDir: '/tmp' });
  assert.deepEqual([who.code, who.stdout], [0, '65534\n/tmp\n']);
  assert.equal((await execIn(id, { cmd: ['no-such-command'] })).code, 127);

  const tty = await execIn(id, { cmd: ['tty'], tty: true });
  assert.equal(tty.code, 0);
  assert.match(tty.stdout, /^\/dev\/pts\/\d+\r\n$/);
  assert.ok((await engine.containers.get(id)).execIds?.includes(hi.execId), 'ExecIDs lists the container\'s execs');

  await engine.containers.pause(id);
  await assert.rejects(engine.containers.createExec(id, { cmd: ['true'] }), conflictWith(`Container ${id} is paused, unpause the container before exec`));
  await engine.containers.unpause(id);
  const pending = await engine.containers.createExec(id, { cmd: ['true'] });
  await killAndWait(id);
  await assert.rejects(engine.containers.createExec(id, { cmd: ['true'] }), conflictWith(`Container ${id} is not running`));
  await assert.rejects(engine.containers.startExec(pending), conflictWith(`Container ${id} is not running`));
  await assert.rejects(engine.containers.getExec('f'.repeat(64)), (err: Error) => errorKind(err) === 'not-found');
});

test('stats and top of a running container; a stopped one has empty stats and no top', async () => {
  const id = await create({ cmd: ['sleep', '100'] });
  await engine.containers.start(id);
  const stats = await engine.containers.stats(id);
  assert.ok(stats.memoryUsage > 0, `memory usage ${stats.memoryUsage}`);
  assert.ok(stats.pids >= 1 && stats.cpuTotalNs > 0 && stats.memoryLimit > 0);
  const table = await engine.containers.top(id);
  const cmd = table.titles.indexOf('CMD');
  assert.ok(cmd >= 0, table.titles.join(' '));
  assert.ok(table.processes.some((p) => p[cmd] === 'sleep 100'), JSON.stringify(table.processes));

  await killAndWait(id);
  const empty = await engine.containers.stats(id);
  assert.equal(empty.memoryUsage, 0);
  assert.equal(empty.read.toISOString(), '0001-01-01T00:00:00.000Z');
  await assert.rejects(engine.containers.top(id), conflictWith(`Container ${id} is not running`));
});

test('cp: put a tar into a running container, get files from an exited one through a temporary mount', async () => {
  const running = await create({ cmd: ['sleep', '100'] });
  await engine.containers.start(running);
  await engine.containers.putArchive(running, '/tmp', tarOf({ 'put.txt': 'put by the test\n' }));
  const readBack = await execIn(running, { cmd: ['cat', '/tmp/put.txt'] });
  assert.deepEqual([readBack.code, readBack.stdout], [0, 'put by the test\n']);
  await assert.rejects(engine.containers.getArchive(running, '/nope'), (err: Error) => {
    assert.equal(errorKind(err), 'not-found');
    assert.equal(err.message, `Could not find the file /nope in container ${running}`);
    return true;
  });
  await killAndWait(running);

  const { id } = await runToExit({ cmd: ['sh', '-c', 'echo made > /tmp/made.txt'] });
  const rootMounts = async (): Promise<string[]> => mountsUnder(root);
  assert.deepEqual(await rootMounts(), [], 'an exited container has no mounted rootfs');
  assert.equal((await engine.containers.statPath(id, '/tmp/made.txt')).size, 5);
  const { stat, tar: stream } = await engine.containers.getArchive(id, '/tmp/made.txt');
  try {
    assert.equal(stat.name, 'made.txt');
    assert.equal((await rootMounts()).length, 1, 'mounted while the tar is read');
    assert.deepEqual(await untar(stream), [['made.txt', 'made\n']]);
  } finally {
    stream.destroy(); // an unread tar would keep the container locked and mounted
  }
  await until('the temporary mount is gone', async () => (await rootMounts()).length === 0, 5000);

  const created = await create({ cmd: ['true'] });
  await engine.containers.putArchive(created, '/data', tarOf({ 'new.txt': 'before start\n' }));
  assert.deepEqual(await untar((await engine.containers.getArchive(created, '/data/new.txt')).tar), [['new.txt', 'before start\n']]);
  const readonly = await create({ cmd: ['true'], readonlyRootfs: true });
  await assert.rejects(engine.containers.putArchive(readonly, '/tmp', tarOf({ 'x.txt': 'x' })), (err: Error) => {
    assert.equal(err.message, 'container rootfs is marked read-only');
    return errorKind(err) === 'invalid-argument';
  });
  await until('no mount left', async () => (await rootMounts()).length === 0, 5000);
});

test('health: starting, healthy once the probe passes, unhealthy after `retries` failures; events; NONE disables', async () => {
  const events: ContainerEvent[] = [];
  const off = engine.containers.onEvent((e) => events.push(e));
  try {
    const id = await create({ cmd: ['sleep', '100'], healthcheck: { test: ['CMD-SHELL', 'test -f /tmp/ok'], intervalMs: 200, retries: 2 } });
    await engine.containers.start(id);
    assert.equal((await state(id)).health?.status, 'starting');
    assert.equal((await execIn(id, { cmd: ['touch', '/tmp/ok'] })).code, 0);
    await until('healthy', async () => (await state(id)).health?.status === 'healthy', 5000);
    assert.equal((await execIn(id, { cmd: ['rm', '/tmp/ok'] })).code, 0);
    await until('unhealthy', async () => (await state(id)).health?.status === 'unhealthy', 5000);
    const health = (await state(id)).health;
    assert.ok(health !== undefined && health.failingStreak >= 2, JSON.stringify(health));
    assert.equal(health.log.at(-1)?.exitCode, 1);
    const statuses = events.filter((e) => e.id === id && e.action.startsWith('health_status')).map((e) => e.action);
    assert.deepEqual(statuses.slice(-2), ['health_status: healthy', 'health_status: unhealthy']);

    await killAndWait(id);
    const probes = (await state(id)).health?.log.at(-1)?.end.getTime();
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal((await state(id)).health?.log.at(-1)?.end.getTime(), probes, 'no probe after the exit');

    const none = await create({ cmd: ['sleep', '100'], healthcheck: { test: ['NONE'] } });
    await engine.containers.start(none);
    assert.equal((await state(none)).health, undefined);
  } finally {
    off();
  }
});
