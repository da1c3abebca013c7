import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { runtimeErrors } from './exec.js';
import { execEnv, execProcessJson, parseBaseProcess } from './exec-process.js';
import { shellQuote } from './exec-tty.js';
import { resolveUserInRootfs } from './users.js';
import type { ContainerHandle } from './handle.js';
import { mergeOutput } from './output-queue.js';

const work = mkdtempSync(path.join(tmpdir(), 'berth-exec-process-'));
after(() => rmSync(work, { recursive: true, force: true }));

const CONFIG = `{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0, "umask": 18 },
    "args": ["sleep", "60"],
    "env": ["PATH=/bin"],
    "cwd": "/",
    "capabilities": { "bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "inheritable": [], "permitted": ["CAP_KILL"], "ambient": [] },
    "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024 }],
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs" }
}`;

test('execEnv: container env, TERM for a tty, request entries replace by name', () => {
  assert.deepEqual(execEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3'], false), ['PATH=/bin', 'A=2', 'B=3']);
  assert.deepEqual(execEnv(['PATH=/bin'], undefined, true), ['PATH=/bin', 'TERM=xterm']);
  assert.deepEqual(execEnv(['TERM=vt100'], ['TERM=dumb'], true), ['TERM=dumb']);
});

test('parseBaseProcess keeps RLIM_INFINITY exact', () => {
  const base = parseBaseProcess(CONFIG);
  assert.equal(base.rlimitsJson, '[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":1024}]');
  assert.equal(base.fields.noNewPrivileges, true);
  assert.equal(base.fields.rlimits, undefined);
});

test('execProcessJson: the container process with the exec command, user, cwd and env', async () => {
  const rootfs = path.join(work, 'rootfs');
  mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nextra:x:700:nobody\n');
  const handle: ContainerHandle = {
    id: 'c1',
    runtimeRoot: '/run/x/runc',
    runtimePath: '/usr/sbin/runc',
    pid: 1,
    rootfsPath: rootfs,
    cgroupPaths: { version: 2, dir: '/x' },
    env: ['PATH=/bin', 'HOME=/root'],
    user: '',
    workingDir: '/srv',
  };
  const text = await execProcessJson(handle, { cmd: ['id', '-u'], user: 'nobody', env: ['X=1'], tty: true }, parseBaseProcess(CONFIG));
  assert.match(text, /"rlimits":\[\{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":1024\}\]\}$/);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(parsed.args, ['id', '-u']);
  assert.equal(parsed.terminal, true);
  assert.equal(parsed.cwd, '/srv');
  assert.deepEqual(parsed.user, { uid: 65534, gid: 65534, additionalGids: [700], umask: 18 });
  assert.deepEqual(parsed.env, ['PATH=/bin', 'HOME=/root', 'TERM=xterm', 'X=1']);
  assert.equal(parsed.noNewPrivileges, true);
  assert.deepEqual((parsed.capabilities as { bounding: string[] }).bounding, ['CAP_KILL']);
  const asUid = JSON.parse(await execProcessJson(handle, { cmd: ['x'], user: '1234:55', workingDir: '/tmp' }, parseBaseProcess(CONFIG))) as Record<string, unknown>;
  assert.deepEqual(asUid.user, { uid: 1234, gid: 55, umask: 18 });
  assert.equal(asUid.cwd, '/tmp');
  await assert.rejects(execProcessJson(handle, { cmd: [] }, parseBaseProcess(CONFIG)), /No exec command/);
  await assert.rejects(execProcessJson(handle, { cmd: ['x'], user: 'ghost' }, parseBaseProcess(CONFIG)), /unable to find user ghost/);
});

test('runtimeErrors: the error records of a JSON runtime log', () => {
  const log = '{"level":"warning","msg":"meh"}\n{"level":"error","msg":"exec failed: x","time":"t"}\nnot json\n';
  assert.equal(runtimeErrors(log), 'exec failed: x');
  assert.equal(runtimeErrors('{"level":"info","msg":"fine"}\n'), undefined);
});

test('shellQuote', () => {
  assert.equal(shellQuote('/usr/sbin/runc'), '/usr/sbin/runc');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('a b'), "'a b'");
});

test('mergeOutput: chunks in arrival order, ends when every stream has ended', async () => {
  const out = new PassThrough();
  const err = new PassThrough();
  const merged = mergeOutput([
    { stream: 'stdout', readable: out },
    { stream: 'stderr', readable: err },
  ]);
  out.write('a');
  err.write('b');
  out.end('c');
  setTimeout(() => err.end(), 5);
  const seen: string[] = [];
  for await (const chunk of merged) seen.push(`${chunk.stream}:${chunk.data.toString()}`);
  assert.deepEqual(seen, ['stdout:a', 'stderr:b', 'stdout:c']);
});

test('user files: a link out of the rootfs stays inside, a FIFO is not read', async () => {
  const hostile = path.join(work, 'hostile');
  mkdirSync(path.join(hostile, 'etc'), { recursive: true });
  mkdirSync(path.join(work, 'etc'), { recursive: true });
  // What a link climbing out would reach on the "host".
  writeFileSync(path.join(work, 'etc/passwd'), 'ghost:x:4242:4242::/:/bin/sh\n');
  symlinkSync('../../../etc/passwd', path.join(hostile, 'etc/passwd'));
  await assert.rejects(resolveUserInRootfs(hostile, 'ghost'), /unable to find user ghost/);
  rmSync(path.join(hostile, 'etc/passwd'));
  execFileSync('mkfifo', [path.join(hostile, 'etc/passwd')]);
  // Would block forever if the FIFO were opened for reading without O_NONBLOCK and read.
  assert.deepEqual(await resolveUserInRootfs(hostile, '7:8'), { uid: 7, gid: 8, additionalGids: [], home: '/' });
  await assert.rejects(resolveUserInRootfs(hostile, 'nobody'), /unable to find user nobody/);
});
