import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import tar from 'tar-stream';
import { diffUpperDir } from '../../layers/index.js';
import { dropMountPoints, isMountPoint } from './changes.js';

test('the runtime’s mount points leave the upper dir; the container’s own files stay', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-changes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const upper = path.join(dir, 'upper');
  const lower = path.join(dir, 'lower');
  fs.mkdirSync(path.join(lower, 'etc'), { recursive: true, mode: 0o755 });
  fs.chmodSync(path.join(lower, 'etc'), 0o755);
  for (const d of ['proc', 'sys', 'etc', 'dev', 'data']) fs.mkdirSync(path.join(upper, d), { recursive: true });
  fs.chmodSync(path.join(upper, 'etc'), 0o755);
  fs.writeFileSync(path.join(upper, 'etc', 'hosts'), '');
  fs.writeFileSync(path.join(upper, 'etc', 'resolv.conf'), '');
  fs.writeFileSync(path.join(upper, 'dev', 'made-by-run'), 'x');
  fs.writeFileSync(path.join(upper, 'data', 'kept'), 'x');
  await dropMountPoints(upper, [lower]);
  // /etc was only copied up for the mount points: it goes too. /dev has the step's own file.
  assert.deepEqual(fs.readdirSync(upper).sort(), ['data', 'dev']);

  fs.mkdirSync(path.join(upper, 'etc'));
  fs.chmodSync(path.join(upper, 'etc'), 0o700);
  fs.writeFileSync(path.join(upper, 'etc', 'hostname'), '');
  await dropMountPoints(upper, [lower]);
  assert.ok(fs.existsSync(path.join(upper, 'etc')), 'a mode change of /etc is a change');
  assert.ok(!fs.existsSync(path.join(upper, 'etc', 'hostname')));
});

test('a running container’s diff leaves its mount points out', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-changes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const d of ['proc', 'dev/pts', 'etc', 'data']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc', 'hosts'), '');
  fs.writeFileSync(path.join(dir, 'etc', 'app.conf'), 'x');
  fs.writeFileSync(path.join(dir, 'data', 'kept'), 'x');
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.resume();
    stream.on('end', next);
  });
  await pipeline(diffUpperDir(dir, isMountPoint), extract);
  assert.deepEqual(names, ['data/', 'data/kept', 'etc/', 'etc/app.conf']);
});
