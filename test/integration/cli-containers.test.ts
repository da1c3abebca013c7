/*
 * The `berth` container verbs end to end in local mode (no daemon: each call serves the
 * API in-process on a private root): a busybox image imported with `berth image import`,
 * then run, ps, logs, exec, stop, rm and cp as a user types them, exit codes included.
 * Every container is force-removed afterwards; the suite checks that nothing stays mounted
 * under its temp dir before removing it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { removeCgroupParent } from '../helpers/cgroups.js';
import { mountsUnder } from '../../src/layers/index.js';
import { berth as berthAt, execText, type RunResult } from '../helpers/berth.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

let dir = '';
let root = '';
const berth = (args: string[], input?: string): Promise<RunResult> => berthAt(root, args, input);

/** Routes the daemon side may not serve yet answer "not implemented": skip rather than fail. */
function skipIfMissing(t: TestContext, result: RunResult): boolean {
  if (!/not implemented/i.test(result.stderr)) return false;
  t.skip(`the daemon does not serve this yet: ${result.stderr.trim()}`);
  return true;
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  // A short path: conmon's attach socket must fit in a sockaddr_un.
  dir = fs.mkdtempSync('/tmp/bcli-');
  root = path.join(dir, 'root');
  const { tarball } = await makeBusyboxRootfs(path.join(dir, 'image'));
  const imported = await berth(['image', 'import', tarball, 'bb']);
  assert.equal(imported.code, 0, imported.stderr);
});

after(async () => {
  if (!dir) return;
  try {
    const ids = (await berth(['ps', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await berth(['rm', '-f', ...ids]);
    const left = await mountsUnder(dir);
    for (const m of left) await execText('umount', ['-l', m]).catch(() => undefined);
    // Local mode puts containers under the default cgroup parent; only this file uses it.
    await removeCgroupParent('/berth');
    assert.deepEqual(left, [], 'mounts left under the temp dir');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('run --rm streams stdout and stderr apart and exits with the container code', async () => {
  const result = await berth(['run', '--rm', 'bb', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.equal(result.code, 7, result.stderr);
  assert.equal(result.stdout, 'out\n');
  assert.equal(result.stderr, 'err\n');
  // Arguments after the image are the container's, even ones that look like berth's flags.
  const passed = await berth(['run', '--rm', 'bb', 'echo', '--root', '/elsewhere', '-d']);
  assert.equal(passed.stdout, '--root /elsewhere -d\n', passed.stderr);
  assert.equal((await berth(['ps', '-a', '-q'])).stdout, '', '--rm removed them');
});

test('run -i forwards stdin and ends it; env, workdir and user flags apply', async () => {
  const cat = await berth(['run', '-i', '--rm', 'bb', 'cat'], 'piped in\n');
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(cat.stdout, 'piped in\n');
  const flags = await berth(['run', '--rm', '-e', 'GREETING=hi', '-w', '/tmp', '-u', '65534', 'bb', 'sh', '-c', 'echo $GREETING $(pwd) $(id -u)']);
  assert.equal(flags.stdout, 'hi /tmp 65534\n', flags.stderr);
});

test('run failures exit 127, 126 and 125 as docker run does, and --rm leaves nothing', async () => {
  const notFound = await berth(['run', '--rm', 'bb', 'no-such-command']);
  assert.equal(notFound.code, 127, notFound.stderr);
  const notExecutable = await berth(['run', '--rm', 'bb', '/etc/passwd']);
  assert.equal(notExecutable.code, 126, notExecutable.stderr);
  const noImage = await berth(['run', '--rm', 'missing-image']);
  assert.equal(noImage.code, 125);
  assert.match(noImage.stderr, /^Unable to find image 'missing-image:latest' locally$/m);
  const usage = await berth(['run', '--restart', 'sometimes', 'bb']);
  assert.equal(usage.code, 2, usage.stderr);
  assert.equal((await berth(['ps', '-a', '-q'])).stdout, '');
});

test('run -d, ps, logs, exec, stop, rm', async (t) => {
  const started = await berth(['run', '-d', '--name', 'web', 'bb', 'sh', '-c', 'echo started; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done']);
  assert.equal(started.code, 0, started.stderr);
  const id = started.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  await until('the first log line', async () => (await berth(['logs', 'web'])).stdout === 'started\n');

  const table = (await berth(['ps'])).stdout.trimEnd().split('\n');
  assert.match(table[0] ?? '', /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  assert.equal(table.length, 2);
  const row = table[1] ?? '';
  assert.ok(row.startsWith(id.slice(0, 12)), row);
  assert.match(row, /"sh -c echo started;…"/);
  assert.match(row, /\bUp\b/);
  assert.ok(row.endsWith('web'), row);
  assert.equal(row.indexOf('bb'), table[0]?.indexOf('IMAGE'), 'columns are aligned');
  const [summary] = JSON.parse((await berth(['ps', '--format', 'json'])).stdout) as Array<{ Id: string; Names: string[]; State: string }>;
  assert.equal(summary?.Id, id);
  assert.deepEqual(summary?.Names, ['/web']);
  assert.equal(summary?.State, 'running');
  assert.equal((await berth(['ps', '-q', '--filter', 'name=nomatch'])).stdout, '');

  const inspect = JSON.parse((await berth(['inspect', 'web'])).stdout) as Array<{ Id: string; State: { Running: boolean } }>;
  assert.equal(inspect[0]?.Id, id);
  assert.equal(inspect[0]?.State.Running, true);

  await t.test('exec', async (t2) => {
    const exec = await berth(['exec', 'web', 'sh', '-c', 'echo in exec; exit 4']);
    if (skipIfMissing(t2, exec)) return;
    assert.equal(exec.code, 4, exec.stderr);
    assert.equal(exec.stdout, 'in exec\n');
    const stdin = await berth(['exec', '-i', '-u', '65534', '-w', '/tmp', '-e', 'X=1', 'web', 'sh', '-c', 'cat; echo $X $(pwd) $(id -u)'], 'typed\n');
    assert.equal(stdin.stdout, 'typed\n1 /tmp 65534\n', stdin.stderr);
  });

  const stop = await berth(['stop', '-t', '5', 'web']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(stop.stdout, 'web\n');
  assert.equal((await berth(['logs', 'web'])).stdout, 'started\nbye\n');
  const exited = (await berth(['ps', '-a'])).stdout;
  assert.match(exited, /Exited \(0\)/);
  assert.equal((await berth(['wait', 'web'])).stdout, '0\n');

  const rm = await berth(['rm', 'web']);
  assert.equal(rm.stdout, 'web\n', rm.stderr);
  assert.equal((await berth(['ps', '-a', '-q'])).stdout, '');
  const gone = await berth(['rm', 'web']);
  assert.equal(gone.code, 1);
});

test('cp copies files both ways', async (t) => {
  const created = await berth(['run', '-d', '--name', 'files', 'bb', 'sleep', '60']);
  assert.equal(created.code, 0, created.stderr);
  const local = path.join(dir, 'cp');
  fs.mkdirSync(local);
  const out = await berth(['cp', 'files:/data/marker.txt', local]);
  if (skipIfMissing(t, out)) return;
  assert.equal(out.code, 0, out.stderr);
  assert.equal(fs.readFileSync(path.join(local, 'marker.txt'), 'utf8'), 'hello from berth\n');
  fs.writeFileSync(path.join(local, 'upload.txt'), 'uploaded\n');
  const into = await berth(['cp', path.join(local, 'upload.txt'), 'files:/tmp/renamed.txt']);
  assert.equal(into.code, 0, into.stderr);
  const back = await berth(['cp', 'files:/tmp/renamed.txt', path.join(local, 'back.txt')]);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(fs.readFileSync(path.join(local, 'back.txt'), 'utf8'), 'uploaded\n');
  assert.equal((await berth(['rm', '-f', 'files'])).code, 0);
});
