/*
 * Volumes and mounts end to end through `openEngine`: named and anonymous volumes, the
 * copy-up of image content, binds (read-only, missing sources, hostile image symlinks),
 * tmpfs limits, --volumes-from, removal and prune. Containers run under runc; the suite
 * force-removes them, checks nothing stays mounted, removes its cgroup parent and temp dir.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, afterEach, before, test } from 'node:test';
import tar from 'tar-stream';
import { openEngine, type ContainerCreateRequest, type Engine } from '../../src/engine/index.js';
import { mountsUnder } from '../../src/layers/index.js';
import { execText } from '../helpers/berth.js';
import { privateCgroupParent } from '../helpers/cgroups.js';
import { closeTestEngine } from '../helpers/engine.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

const IMAGE = 'berth-test/vol:1';
const APPLETS = ['touch', 'dd', 'stat', 'readlink', 'rm', 'mkdir', 'wc', 'df', 'tail'];
const cgroupParent = privateCgroupParent('berth-vol');

let dir = '';
let engine: Engine;
/** A host directory an image symlink points at: nothing may ever appear in it. */
let hostTarget = '';

before(async () => {
  dir = fs.mkdtempSync('/tmp/bvo-');
  hostTarget = path.join(dir, 'host-target');
  fs.mkdirSync(hostTarget);
  fs.writeFileSync(path.join(hostTarget, 'secret'), 'host only\n');
  fs.mkdirSync(path.join(hostTarget, 'sub'));
  fs.writeFileSync(path.join(hostTarget, 'sub', 'secret'), 'host only\n');
  const { rootfs } = await makeBusyboxRootfs(path.join(dir, 'image'), 'from the image');
  for (const applet of APPLETS) await symlink('busybox', path.join(rootfs, 'bin', applet));
  // /data: owned 1234:5678, mode 0750, a 0640 file with an xattr, a symlink, a subdirectory.
  const data = path.join(rootfs, 'data');
  fs.mkdirSync(path.join(data, 'sub'));
  fs.writeFileSync(path.join(data, 'sub', 'deep.txt'), 'deep\n');
  fs.chmodSync(path.join(data, 'marker.txt'), 0o640);
  fs.symlinkSync('marker.txt', path.join(data, 'link'));
  await execText('setfattr', ['-n', 'user.berth', '-v', 'kept', path.join(data, 'marker.txt')]);
  await execText('chown', ['-R', '-h', '1234:5678', data]);
  fs.chmodSync(data, 0o750);
  // Hostile links: an absolute one to a host path, one climbing out with `..`.
  fs.symlinkSync(hostTarget, path.join(rootfs, 'escape'));
  fs.symlinkSync(`../../../../../../..${hostTarget}/sub`, path.join(rootfs, 'climb'));
  const tarball = path.join(dir, 'image', 'vol.tar');
  await execText('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=user.*', '-C', rootfs, '-cf', tarball, '.']);
  engine = await openEngine({ root: path.join(dir, 'root'), run: path.join(dir, 'run'), cgroupParent });
  await engine.images.importRootfs(fs.createReadStream(tarball), { reference: IMAGE, changes: ['CMD ["sh"]', 'VOLUME /data'] });
});

afterEach(async () => {
  for (const c of await engine.containers.list({ all: true })) await engine.containers.remove(c.id, { force: true, volumes: true }).catch(() => undefined);
});

after(() => closeTestEngine(engine, dir, cgroupParent));

/** Runs a container to its exit; its output (stdout and stderr) and exit code. */
async function runIn(request: Partial<ContainerCreateRequest>, script: string): Promise<{ id: string; exitCode: number; output: string }> {
  const { id } = await engine.containers.create({ image: IMAGE, cmd: ['sh', '-c', script], ...request });
  const exit = engine.containers.wait(id, 'next-exit');
  await engine.containers.start(id);
  const { exitCode } = await exit;
  let output = '';
  for await (const line of engine.containers.logs(id)) output += line.data.toString();
  return { id, exitCode, output };
}

const unique = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

test('data written to a named volume outlives its container and is seen by the next', async () => {
  const name = unique('keep');
  const first = await runIn({ binds: [`${name}:/store`] }, 'echo persisted > /store/file');
  assert.equal(first.exitCode, 0, first.output);
  await engine.containers.remove(first.id, { volumes: true });
  const second = await runIn({ mounts: [{ type: 'volume', source: name, target: '/again' }] }, 'cat /again/file');
  assert.equal(second.output, 'persisted\n');
  const record = await engine.containers.get(second.id);
  assert.deepEqual(
    record.config.mounts?.find((m) => m.destination === '/again'),
    { type: 'volume', name, source: (await engine.volumes.get(name)).mountpoint, destination: '/again', driver: 'local', mode: 'z', rw: true, propagation: '' },
  );
  await engine.containers.remove(second.id);
  await engine.volumes.remove(name);
});

test('a new volume is first filled with the image content at its path: owners, modes, links, xattrs', async () => {
  const name = unique('fill');
  const r = await runIn(
    { binds: [`${name}:/data`] },
    'stat -c "%n %u:%g %a" /data /data/marker.txt /data/sub/deep.txt; readlink /data/link; cat /data/link',
  );
  assert.equal(r.exitCode, 0, r.output);
  assert.equal(
    r.output,
    ['/data 1234:5678 750', '/data/marker.txt 1234:5678 640', '/data/sub/deep.txt 1234:5678 644', 'marker.txt', 'from the image', ''].join('\n'),
  );
  // On the host too: the volume's root took the image directory's owner and mode, the file its xattr.
  const { mountpoint } = await engine.volumes.get(name);
  const st = fs.statSync(mountpoint);
  assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1234, 5678, 0o750]);
  assert.equal(await execText('getfattr', ['-n', 'user.berth', '--only-values', path.join(mountpoint, 'marker.txt')]), 'kept');
  assert.equal(fs.statSync(path.join(mountpoint, 'marker-link.txt')).ino, fs.statSync(path.join(mountpoint, 'marker.txt')).ino, 'hard links stay linked');
  // Not again into a volume that holds something: the second container's write survives.
  await engine.containers.remove(r.id);
  const edit = await runIn({ binds: [`${name}:/data`] }, 'rm /data/marker.txt; echo mine > /data/own');
  await engine.containers.remove(edit.id);
  const check = await runIn({ binds: [`${name}:/data`] }, 'ls /data');
  assert.equal(check.output, 'link\nmarker-link.txt\nown\nsub\n');
  await engine.containers.remove(check.id);
  await engine.volumes.remove(name);
});

test('nocopy leaves a new volume empty; the image VOLUME gets an anonymous volume filled from the image', async () => {
  const name = unique('nocopy');
  const r = await runIn({ binds: [`${name}:/data:nocopy`] }, 'ls -A /data | wc -l');
  assert.equal(r.output.trim(), '0');
  const anon = await runIn({}, 'cat /data/marker.txt');
  assert.equal(anon.output, 'from the image\n');
  const [mount] = (await engine.containers.get(anon.id)).config.mounts ?? [];
  assert.equal(mount?.anonymous, true);
  assert.match(mount?.name ?? '', /^[0-9a-f]{64}$/);
  assert.equal(mount?.mode, '');
  await engine.containers.remove(anon.id, { volumes: true });
  await assert.rejects(engine.volumes.get(mount?.name ?? ''), { kind: 'not-found' });
  await engine.containers.remove(r.id);
  await engine.volumes.remove(name);
});

test('a read-only bind refuses writes with EROFS; a writable one writes through to the host', async () => {
  const host = fs.mkdtempSync(path.join(dir, 'bind-'));
  fs.writeFileSync(path.join(host, 'given'), 'from host\n');
  const ro = await runIn({ binds: [`${host}:/in:ro`] }, 'cat /in/given; touch /in/new 2>&1; echo "exit $?"');
  assert.match(ro.output, /^from host\n/);
  assert.match(ro.output, /Read-only file system/);
  assert.match(ro.output, /exit 1\n$/);
  assert.equal(fs.existsSync(path.join(host, 'new')), false);
  const rw = await runIn({ mounts: [{ type: 'bind', source: host, target: '/out' }] }, 'echo written > /out/new');
  assert.equal(rw.exitCode, 0, rw.output);
  assert.equal(fs.readFileSync(path.join(host, 'new'), 'utf8'), 'written\n');
  const rec = await engine.containers.get(ro.id);
  assert.deepEqual(rec.config.mounts?.find((m) => m.destination === '/in'), { type: 'bind', source: host, destination: '/in', mode: 'ro', rw: false, propagation: 'rprivate' });
});

test('a bind over a generated /etc file replaces it, as in Docker', async () => {
  const hosts = path.join(dir, 'my-hosts');
  fs.writeFileSync(hosts, '10.0.0.1 mine\n');
  const r = await runIn({ binds: [`${hosts}:/etc/hosts:ro`] }, 'cat /etc/hosts');
  assert.equal(r.output, '10.0.0.1 mine\n');
});

test('missing bind sources: -v creates the directory, --mount refuses', async () => {
  const missing = path.join(dir, 'made-by-v', 'deeper');
  const r = await runIn({ binds: [`${missing}:/m`] }, 'touch /m/x');
  assert.equal(r.exitCode, 0, r.output);
  assert.ok(fs.statSync(path.join(missing, 'x')).isFile());
  await assert.rejects(
    engine.containers.create({ image: IMAGE, mounts: [{ type: 'bind', source: path.join(dir, 'nope'), target: '/m' }] }),
    { kind: 'invalid-argument', message: `invalid mount config for type "bind": bind source path does not exist: ${path.join(dir, 'nope')}` },
  );
  assert.equal(fs.existsSync(path.join(dir, 'nope')), false);
});

test('image symlinks cannot redirect mounts or the copy-up outside the root filesystem', async () => {
  const hostDir = fs.mkdtempSync(path.join(dir, 'src-'));
  fs.writeFileSync(path.join(hostDir, 'payload'), 'bound\n');
  const name = unique('esc');
  const r = await runIn(
    { binds: [`${hostDir}:/escape/inner`, `${name}:/climb`] },
    'cat /escape/inner/payload; ls -A /climb | wc -l',
  );
  assert.equal(r.exitCode, 0, r.output);
  assert.equal(r.output, 'bound\n0\n');
  // The host directories the links name are untouched: no mountpoint made in them, nothing copied from them.
  assert.deepEqual(fs.readdirSync(hostTarget).sort(), ['secret', 'sub']);
  assert.deepEqual(fs.readdirSync(path.join(hostTarget, 'sub')), ['secret']);
  assert.deepEqual(fs.readdirSync((await engine.volumes.get(name)).mountpoint), []);
  await engine.containers.remove(r.id);
  await engine.volumes.remove(name);
});

test('tmpfs mounts: the size is enforced, the mode applied, contents gone with the container', async () => {
  const r = await runIn(
    { tmpfs: { '/small': 'size=1m,mode=1770' }, mounts: [{ type: 'tmpfs', target: '/other', tmpfsOptions: { sizeBytes: 2 << 20 } }] },
    'stat -c %a /small; dd if=/dev/zero of=/small/fill bs=1024 count=2048 2>&1; echo "dd $?"; df -k /other | tail -1',
  );
  assert.match(r.output, /^1770\n/);
  assert.match(r.output, /No space left on device/);
  assert.match(r.output, /dd 1\n/);
  assert.match(r.output, /tmpfs\s+2048\s/);
  const record = await engine.containers.get(r.id);
  assert.deepEqual(record.config.mounts?.map((m) => `${m.type} ${m.destination}`).sort(), ['tmpfs /other', 'tmpfs /small', 'volume /data']);
});

test('--volumes-from: the other container volumes and binds, read-only when asked', async () => {
  const host = fs.mkdtempSync(path.join(dir, 'share-'));
  const name = unique('from');
  const donor = await runIn({ binds: [`${name}:/shared`, `${host}:/hostshare`] }, 'echo from-donor > /shared/f');
  assert.equal(donor.exitCode, 0, donor.output);
  const reader = await runIn({ volumesFrom: [`${donor.id.slice(0, 12)}:ro`] }, 'cat /shared/f; ls /data; touch /shared/g 2>&1; echo "exit $?"');
  assert.match(reader.output, /^from-donor\n/);
  assert.match(reader.output, /marker\.txt/);
  assert.match(reader.output, /Read-only file system\nexit 1\n$/);
  const mounts = (await engine.containers.get(reader.id)).config.mounts ?? [];
  assert.deepEqual(mounts.map((m) => [m.destination, m.rw]).sort(), [['/data', false], ['/hostshare', false], ['/shared', false]]);
  const writer = await runIn({ volumesFrom: [(await engine.containers.get(donor.id)).name] }, 'echo more >> /shared/f && cat /shared/f');
  assert.equal(writer.output, 'from-donor\nmore\n');
  await assert.rejects(engine.containers.create({ image: IMAGE, volumesFrom: ['no-such-container'] }), { kind: 'invalid-argument', message: /No such container: no-such-container/ });
});

test('local driver options: a tmpfs volume and a bind volume, mounted while used, never deleted through', async () => {
  const tmpfsName = unique('tmpfsvol');
  await engine.volumes.create({ name: tmpfsName, options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0770' } });
  const mountpoint = (await engine.volumes.get(tmpfsName)).mountpoint;
  // As in Docker, a tmpfs volume starts empty: what a copy-up put there went with the unmount after it.
  const t = await runIn({ binds: [`${tmpfsName}:/data`] }, 'df -k /data | tail -1; stat -c %a /data; ls -A /data | wc -l');
  assert.equal(t.exitCode, 0, t.output);
  assert.match(t.output, /^tmpfs\s+1024\s.*\n770\n0\n$/);
  assert.deepEqual(await mountsUnder(mountpoint), [], 'unmounted when its last user stopped');

  const hostDir = fs.mkdtempSync(path.join(dir, 'bindvol-'));
  fs.writeFileSync(path.join(hostDir, 'precious'), 'keep me\n');
  const bindName = unique('bindvol');
  await engine.volumes.create({ name: bindName, options: { type: 'none', o: 'bind', device: hostDir } });
  const b = await runIn({ binds: [`${bindName}:/b`] }, 'cat /b/precious; echo from-container > /b/made');
  assert.equal(b.output, 'keep me\n');
  assert.equal(fs.readFileSync(path.join(hostDir, 'made'), 'utf8'), 'from-container\n');
  await engine.containers.remove(t.id);
  await engine.containers.remove(b.id);
  await engine.volumes.remove(tmpfsName);
  await engine.volumes.remove(bindName);
  assert.deepEqual(fs.readdirSync(hostDir).sort(), ['made', 'precious'], 'removing the volume left the host directory alone');
  const pruned = await engine.volumes.prune({ all: true });
  assert.ok(!pruned.deleted.includes(bindName));
});

test('a running container keeps its tmpfs volume across an engine restart; the last user out unmounts it', async () => {
  const name = unique('restart');
  await engine.volumes.create({ name, options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
  const { mountpoint } = await engine.volumes.get(name);
  const { id } = await engine.containers.create({ image: IMAGE, binds: [`${name}:/t`], cmd: ['sh', '-c', 'echo kept > /t/f; sleep 30'] });
  await engine.containers.start(id);
  assert.deepEqual(await mountsUnder(mountpoint), [mountpoint]);
  await engine.close();
  engine = await openEngine({ root: path.join(dir, 'root'), run: path.join(dir, 'run'), cgroupParent });
  assert.equal((await engine.containers.get(id)).state.status, 'running');
  assert.equal(fs.readFileSync(path.join(mountpoint, 'f'), 'utf8'), 'kept\n', 'still mounted, contents intact');
  await engine.containers.stop(id, { timeoutSeconds: 0 });
  assert.deepEqual(await mountsUnder(mountpoint), [], 'unmounted once its user stopped');
  await engine.containers.remove(id);
  await engine.volumes.remove(name);
});

test('cp into and out of a running container reaches its volumes and binds', async () => {
  const name = unique('cp');
  const host = fs.mkdtempSync(path.join(dir, 'cpbind-'));
  fs.writeFileSync(path.join(host, 'from-host'), 'bound file\n');
  const { id } = await engine.containers.create({
    image: IMAGE,
    binds: [`${name}:/store`, `${host}:/b`, `${host}:/b-ro:ro`],
    tmpfs: { '/scratch': '' },
    readonlyRootfs: true,
    cmd: ['sleep', '30'],
  });
  await engine.containers.start(id);
  const tarOf = (file: string): Readable => {
    const pack = tar.pack();
    pack.entry({ name: file, mode: 0o644 }, 'put into the volume\n');
    pack.finalize();
    return Readable.from(pack, { objectMode: false });
  };
  // The root filesystem is read-only, the volume is not: cp writes to the volume.
  await engine.containers.putArchive(id, '/store', tarOf('put.txt'));
  await assert.rejects(engine.containers.putArchive(id, '/b-ro', tarOf('x.txt')), { kind: 'invalid-argument', message: 'mounted volume is marked read-only' });
  await assert.rejects(engine.containers.putArchive(id, '/tmp', tarOf('x.txt')), { kind: 'invalid-argument', message: 'container rootfs is marked read-only' });
  await assert.rejects(engine.containers.putArchive(id, '/scratch', tarOf('x.txt')), { kind: 'invalid-argument', message: /tmpfs mount \/scratch/ });
  assert.equal(fs.existsSync(path.join(host, 'x.txt')), false);
  assert.equal(fs.readFileSync(path.join((await engine.volumes.get(name)).mountpoint, 'put.txt'), 'utf8'), 'put into the volume\n');
  assert.equal((await engine.containers.statPath(id, '/b/from-host')).size, 'bound file\n'.length);
  const tarNames = async (stream: Readable): Promise<string[]> => {
    const names: string[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, entry, next) => {
      names.push(header.name);
      entry.resume();
      entry.on('end', next);
    });
    const done = new Promise<void>((resolve) => extract.on('finish', () => resolve()));
    stream.pipe(extract);
    await done;
    return names;
  };
  assert.deepEqual(await tarNames((await engine.containers.getArchive(id, '/b/from-host')).tar), ['from-host']);

  // Stopped, the same paths still reach the volume and the bind, not the root filesystem under them.
  await engine.containers.stop(id, { timeoutSeconds: 0 });
  await engine.containers.putArchive(id, '/store/', tarOf('after-stop.txt'));
  assert.ok(fs.existsSync(path.join((await engine.volumes.get(name)).mountpoint, 'after-stop.txt')));
  await assert.rejects(engine.containers.putArchive(id, '/b-ro', tarOf('x.txt')), { message: 'mounted volume is marked read-only' });
  assert.equal((await engine.containers.statPath(id, '/store')).name, 'store');
  assert.equal((await engine.containers.statPath(id, '/b/from-host')).size, 'bound file\n'.length);
  assert.deepEqual((await tarNames((await engine.containers.getArchive(id, '/store')).tar)).sort(), ['store/', 'store/after-stop.txt', 'store/put.txt']);
  assert.deepEqual((await tarNames((await engine.containers.getArchive(id, '/store/.')).tar)).sort(), ['./', './after-stop.txt', './put.txt']);
  await engine.containers.remove(id, { force: true });
  await engine.volumes.remove(name);
});

test('a volume in use by a container, running or stopped, cannot be removed', async () => {
  const name = unique('busy');
  const { id } = await engine.containers.create({ image: IMAGE, binds: [`${name}:/b`], cmd: ['sleep', '30'] });
  await assert.rejects(engine.volumes.remove(name), { kind: 'conflict', message: `remove ${name}: volume is in use - [${id}]` });
  await engine.containers.start(id);
  await assert.rejects(engine.volumes.remove(name, { force: true }), { kind: 'conflict' });
  assert.deepEqual((await engine.volumes.list({ dangling: false })).map((v) => v.name).filter((n) => n === name), [name]);
  await engine.containers.remove(id, { force: true });
  await engine.volumes.remove(name);
});

test('prune: unused anonymous volumes by default, named ones too with all; --rm takes anonymous volumes along', async () => {
  await engine.volumes.prune(); // what earlier tests' containers left
  const named = unique('pruned');
  const kept = await runIn({ binds: [`${named}:/n`] }, 'true');
  await engine.containers.remove(kept.id, { volumes: true });
  const anonymous = await runIn({}, 'true');
  const anonName = (await engine.containers.get(anonymous.id)).config.mounts?.[0]?.name ?? '';
  assert.deepEqual((await engine.volumes.prune()).deleted, [], 'the anonymous volume is still used by its stopped container');
  await engine.containers.remove(anonymous.id);
  const pruned = await engine.volumes.prune();
  assert.ok(pruned.deleted.includes(anonName), JSON.stringify(pruned));
  assert.ok(!pruned.deleted.includes(named));
  assert.ok(pruned.spaceReclaimed > 0);
  const all = await engine.volumes.prune({ all: true });
  assert.ok(all.deleted.includes(named));

  const { id } = await engine.containers.create({ image: IMAGE, cmd: ['true'], autoRemove: true });
  const autoName = (await engine.containers.get(id)).config.mounts?.[0]?.name ?? '';
  const removed = engine.containers.wait(id, 'removed');
  await engine.containers.start(id);
  await removed;
  await assert.rejects(engine.volumes.get(autoName), { kind: 'not-found' });
});
