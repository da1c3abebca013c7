import fs from 'node:fs';
import path from 'node:path';
import { execText } from './berth.js';

export const busyboxPath = '/bin/busybox';

/**
 * A tiny busybox root filesystem in `dir` (busybox-static and a few applet links, passwd,
 * a text file with known content), and a tarball of it made by GNU tar.
 */
export async function makeBusyboxRootfs(dir: string, marker = 'hello from berth'): Promise<{ rootfs: string; tarball: string }> {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'data', 'usr/share']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync(busyboxPath, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'echo', 'cat', 'ls', 'true', 'false', 'sleep', 'id']) {
    fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  }
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(rootfs, 'data/marker.txt'), marker + '\n');
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.linkSync(path.join(rootfs, 'data/marker.txt'), path.join(rootfs, 'data/marker-link.txt'));
  const tarball = path.join(dir, 'rootfs.tar');
  await execText('tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  return { rootfs, tarball };
}
