import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ReportReader, parseSyncReport } from './conmon-pipe.js';
import { conmonCreateArgs, type ConmonCreate } from './conmon.js';

const base: ConmonCreate = {
  conmonPath: '/usr/bin/conmon',
  runtimePath: '/usr/bin/runc',
  runtimeArgs: ['--root', '/run/x/runc'],
  id: 'c1',
  name: 'web',
  bundle: '/b',
  containerPidFile: '/s/container.pid',
  conmonPidFile: '/s/conmon.pid',
  logPath: '/l/c1.log',
  exitDir: '/run/x/exits',
  socketDir: '/run/x/sock',
  terminal: false,
  stdin: false,
  logLevel: 'error',
  conmonLog: '/s/conmon.log',
};

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

test('conmon create arguments', () => {
  const args = conmonCreateArgs(base);
  assert.equal(flag(args, '--api-version'), '1');
  assert.equal(flag(args, '-c'), 'c1');
  assert.equal(flag(args, '-u'), 'c1');
  assert.equal(flag(args, '-n'), 'web');
  assert.equal(flag(args, '-r'), '/usr/bin/runc');
  assert.equal(flag(args, '-l'), 'k8s-file:/l/c1.log');
  assert.equal(flag(args, '--container-pidfile'), '/s/container.pid');
  assert.equal(flag(args, '--conmon-pidfile'), '/s/conmon.pid');
  assert.deepEqual(
    args.flatMap((a, i) => (a === '--runtime-arg' ? [args[i + 1]] : [])),
    ['--root', '/run/x/runc'],
  );
  assert.ok(!args.includes('-t') && !args.includes('-i') && !args.includes('--log-size-max'));
});

test('terminal, stdin and log size', () => {
  assert.ok(conmonCreateArgs({ ...base, terminal: true, stdin: true }).includes('-t'));
  assert.ok(!conmonCreateArgs({ ...base, terminal: true, stdin: true }).includes('-i'));
  assert.ok(conmonCreateArgs({ ...base, stdin: true }).includes('-i'));
  assert.ok(conmonCreateArgs({ ...base, stdin: true, leaveStdinOpen: true }).includes('--leave-stdin-open'));
  assert.equal(flag(conmonCreateArgs({ ...base, logMaxSize: 1024 }), '--log-size-max'), '1024');
});

test('sync reports', () => {
  assert.deepEqual(parseSyncReport('{"data": 42}'), { data: 42 });
  assert.deepEqual(parseSyncReport('{"pid": 42}'), { data: 42 });
  assert.deepEqual(parseSyncReport('{"data": -1, "message": "boom"}'), { data: -1, message: 'boom' });
  assert.throws(() => parseSyncReport('{"other": 1}'));
});

test('reports are read one at a time, however they arrive', async () => {
  const pipe = new PassThrough();
  const reader = new ReportReader(pipe);
  pipe.write('{"data": 7}\n{"da');
  assert.deepEqual(await reader.next(), { data: 7 });
  const second = reader.next();
  pipe.write('ta": 3}\n');
  assert.deepEqual(await second, { data: 3 });
  pipe.end();
  assert.equal(await reader.next(), undefined);
});
