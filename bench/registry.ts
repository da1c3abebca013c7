/**
 * Registry push and pull of a ~200 MB (uncompressed) multi-layer image, berth against the
 * distribution project's registry (Debian's docker-registry) and skopeo, in one run:
 *
 *   push   berth push → berth registry           skopeo copy oci:DIR → docker-registry
 *   pull   berth pull (fresh root) and skopeo copy → dir:, each from both registries
 *   10×    ten clients pulling at once: ten fresh berth roots, ten skopeo copies to dirs,
 *          each against both registries (wall time until all are done, aggregate MB/s)
 *
 * The image: BENCH_LAYERS layers of /usr/share and /usr/lib subtrees (GNU tar, gzip -6),
 * composed into a docker-archive here and loaded with `berth image load`; berth keeps the
 * gzip blobs as they are. skopeo's source is `berth image save --format oci` of that image,
 * unpacked to an OCI layout, so both sides push and pull byte-identical gzip blobs (skopeo
 * would decompress and recompress a docker-archive's layers). MB/s counts the blob bytes
 * on the wire (config + layers, as the registry stores them). Every timing is one CLI
 * process end to end, so berth's Node start-up (~0.1 s) is inside its numbers.
 *
 * Pushes run once (a second push finds the blobs already there); single pulls are the
 * median of BENCH_RUNS, interleaved, each after a `sync`. Only the transfer command is
 * timed; results are checked afterwards: berth's pulled image ID equals the source's,
 * skopeo's pulled blobs are the pushed ones. berth's pull is durable when it returns (each
 * blob fsynced); skopeo's dir: is not (its writeback comes after its time).
 *
 * Both registries listen on free 127.0.0.1 ports and are stopped by PID; everything lives
 * in one temp dir, removed at the end (also on SIGINT/SIGTERM). Needs skopeo and
 * /usr/bin/docker-registry.
 *
 * Environment:
 *   BENCH_BYTES    uncompressed layer content (default 200e6)
 *   BENCH_LAYERS   layers (default 5)
 *   BENCH_RUNS     runs per single pull (default 3)
 *   BENCH_CLIENTS  clients pulling at once (default 10)
 *   BENCH_DIR      parent of the temp dir (default os.tmpdir())
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, interleavedMedians, report, syncDisks } from './harness.js';

const targetBytes = Number(process.env['BENCH_BYTES'] ?? 200_000_000);
const layerCount = Number(process.env['BENCH_LAYERS'] ?? 5);
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const clients = Number(process.env['BENCH_CLIENTS'] ?? 10);
const parent = process.env['BENCH_DIR'] || os.tmpdir();
const SOURCES = ['/usr/share', '/usr/lib'];
const DISTRIBUTION_BIN = '/usr/bin/docker-registry';
const IMAGE = 'bench/big:1';

/** dist/bench/registry.js → the repository root, where bin/berth lives. */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const berthBin = path.join(repo, 'bin', 'berth');

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (for clients running at once). */
function exec(file: string, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function must(file: string, args: string[]): Promise<string> {
  const r = await exec(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const berth = (root: string, args: string[]): Promise<string> => must(process.execPath, [berthBin, '--root', root, ...args]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Registries started by this run, ended by PID in cleanup. */
const children: ChildProcess[] = [];

async function waitForV2(addr: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited early`);
    if (await fetch(`http://${addr}/v2/`).then((r) => r.status === 200, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer on ${addr}`);
    await sleep(50);
  }
}

async function startBerthRegistry(root: string): Promise<string> {
  const addr = `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, [berthBin, 'registry', '--addr', addr, '--root', root], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitForV2(addr, child, 'berth registry');
  return addr;
}

async function startDistribution(dir: string): Promise<string> {
  const addr = `127.0.0.1:${await freePort()}`;
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, 'http:', `  addr: ${addr}`, ''].join('\n'),
  );
  // It logs every 404 a client's existence check gets, even at level error: keep only the tail, for failures.
  const child = spawn(DISTRIBUTION_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let tail = '';
  child.stderr?.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-4000)));
  await waitForV2(addr, child, 'docker-registry').catch((err: Error) => {
    throw new Error(`${err.message}: ${tail}`);
  });
  return addr;
}

// ---------------------------------------------------------------------------------------
// The image
// ---------------------------------------------------------------------------------------

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Top-level subtrees of the sources packed greedily into layers of about equal size. */
function planLayers(): string[][] {
  const budget = targetBytes / layerCount;
  const entries = SOURCES.flatMap((dir) =>
    fs
      .readdirSync(dir)
      .sort()
      .map((name) => path.join(dir, name)),
  );
  const sizes = new Map<string, number>();
  for (const line of command('du', ['-sb', ...entries]).split('\n')) {
    const [size, file] = line.split('\t');
    if (size && file) sizes.set(file, Number(size));
  }
  const layers = Array.from({ length: layerCount }, () => ({ bytes: 0, paths: [] as string[] }));
  for (const entry of entries) {
    const size = sizes.get(entry) ?? 0;
    if (size === 0 || size > budget || fs.lstatSync(entry).isSymbolicLink()) continue;
    const layer = layers.find((l) => l.bytes + size <= budget);
    if (!layer) continue;
    layer.bytes += size;
    layer.paths.push(entry.slice(1));
  }
  return layers.map((l) => l.paths).filter((p) => p.length > 0);
}

interface Built {
  archive: string;
  ociDir: string;
  /** Bytes of config + layer blobs: what a push or a pull moves. */
  blobBytes: number;
  uncompressedBytes: number;
  layers: number;
}

/** Composes a docker-archive of gzip layers and loads it into `root`; saves it as an OCI layout for skopeo. */
async function buildImage(dir: string, root: string): Promise<Built> {
  const plan = planLayers();
  const archiveDir = path.join(dir, 'archive');
  fs.mkdirSync(archiveDir);
  const diffIds: string[] = [];
  const layerFiles: string[] = [];
  let blobBytes = 0;
  let uncompressedBytes = 0;
  // Two at a time: gzip is the slow part and this machine class has few CPUs.
  const built = await Promise.all(
    plan.map(async (paths, i) => {
      const tar = path.join(archiveDir, `layer${i}.tar`);
      await must('tar', ['--numeric-owner', '-C', '/', '-cf', tar, ...paths]);
      return tar;
    }),
  );
  for (let i = 0; i < built.length; i += 2) {
    await Promise.all(built.slice(i, i + 2).map((tar) => must('gzip', ['-n', '-6', '-k', tar])));
  }
  for (const [i, tar] of built.entries()) {
    diffIds.push(`sha256:${await sha256File(tar)}`);
    uncompressedBytes += fs.statSync(tar).size;
    fs.rmSync(tar);
    blobBytes += fs.statSync(`${tar}.gz`).size;
    layerFiles.push(`layer${i}.tar.gz`);
  }
  const arch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' }[process.arch as string] ?? process.arch;
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `bench layer ${i}` })),
    }),
  );
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  fs.writeFileSync(path.join(archiveDir, configName), config);
  blobBytes += config.length;
  fs.writeFileSync(path.join(archiveDir, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [IMAGE], Layers: layerFiles }]));
  const archive = path.join(dir, 'image.tar');
  await must('tar', ['-C', archiveDir, '-cf', archive, 'manifest.json', configName, ...layerFiles]);
  fs.rmSync(archiveDir, { recursive: true });

  await berth(root, ['image', 'load', '-i', archive]);
  const ociTar = path.join(dir, 'image-oci.tar');
  await berth(root, ['image', 'save', '--format', 'oci', '-o', ociTar, IMAGE]);
  const ociDir = path.join(dir, 'oci');
  fs.mkdirSync(ociDir);
  await must('tar', ['-C', ociDir, '-xf', ociTar]);
  fs.rmSync(ociTar);
  return { archive, ociDir, blobBytes, uncompressedBytes, layers: plan.length };
}

// ---------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------

interface Lab {
  dir: string;
  sourceRoot: string;
  sourceId: string;
  /** Blob digests (hex) the image is made of, as skopeo's dir: output must hold them. */
  blobs: Set<string>;
  scratch: number;
}

function scratch(lab: Lab, what: string): string {
  return path.join(lab.dir, 'scratch', `${what}-${lab.scratch++}`);
}

/** A check of what a pull left, run after the timing (and removing it). */
type Check = () => Promise<void>;

/** One `berth pull` into a fresh root; the returned check (another CLI call) is not timed. */
async function berthPull(lab: Lab, ref: string): Promise<Check> {
  const root = scratch(lab, 'berth');
  try {
    await berth(root, ['pull', ref]);
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    try {
      const [image] = JSON.parse(await berth(root, ['image', 'inspect', ref])) as Array<{ Id: string }>;
      if (image?.Id !== lab.sourceId) throw new Error(`berth pulled ${image?.Id} from ${ref}, expected ${lab.sourceId}`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}

/** One `skopeo copy` to a dir:; the returned check is not timed. */
async function skopeoPull(lab: Lab, ref: string): Promise<Check> {
  const out = scratch(lab, 'skopeo');
  try {
    await must('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `dir:${out}`]);
  } catch (err) {
    fs.rmSync(out, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    try {
      const got = new Set(fs.readdirSync(out).filter((f) => /^[0-9a-f]{64}$/.test(f)));
      for (const blob of lab.blobs) if (!got.has(blob)) throw new Error(`skopeo copy of ${ref} lacks blob ${blob}`);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// ---------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------

function cleanup(dir: string): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  // Nothing here mounts, but a berth root must never be removed from under a mount.
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir + '/'))
    .reverse();
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (!fs.existsSync(DISTRIBUTION_BIN)) throw new Error(`${DISTRIBUTION_BIN} is missing: apt-get install docker-registry`);
  const dir = fs.mkdtempSync(path.join(parent, 'berth-bench-registry-'));
  const onSignal = (): void => {
    cleanup(dir);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Credentials files of this run only.
  process.env['BERTH_CONFIG'] = path.join(dir, 'berth-auth.json');
  process.env['DOCKER_CONFIG'] = path.join(dir, 'docker-config');
  try {
    const sourceRoot = path.join(dir, 'source');
    const image = await buildImage(dir, sourceRoot);
    const [source] = JSON.parse(await berth(sourceRoot, ['image', 'inspect', IMAGE])) as Array<{ Id: string }>;
    const index = JSON.parse(fs.readFileSync(path.join(image.ociDir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifestDigest = index.manifests[0]?.digest ?? '';
    const manifest = JSON.parse(fs.readFileSync(path.join(image.ociDir, 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8')) as {
      config: { digest: string };
      layers: Array<{ digest: string; mediaType: string }>;
    };
    const lab: Lab = {
      dir,
      sourceRoot,
      sourceId: source?.Id ?? '',
      blobs: new Set([manifest.config.digest, ...manifest.layers.map((l) => l.digest)].map((d) => d.slice(7))),
      scratch: 0,
    };
    fs.mkdirSync(path.join(dir, 'scratch'));
    const mbs = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
    console.log(
      `image: ${image.layers} layers (${manifest.layers[0]?.mediaType}), ${mbs(image.uncompressedBytes)} uncompressed, ` +
        `${mbs(image.blobBytes)} of gzip blobs moved per transfer; ${os.cpus().length} CPUs`,
    );

    const berthAddr = await startBerthRegistry(path.join(dir, 'berth-registry'));
    const distAddr = await startDistribution(path.join(dir, 'distribution'));
    const berthRef = `${berthAddr}/bench/big:1`;
    const distRef = `${distAddr}/bench/big:1`;

    // Push: each client to its own registry, once, into an empty registry.
    await berth(sourceRoot, ['tag', IMAGE, berthRef]);
    const berthPush = await timed(() => berth(sourceRoot, ['push', berthRef]).then(() => undefined));
    const skopeoPush = await timed(() =>
      must('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${image.ociDir}:1`, `docker://${distRef}`]).then(() => undefined),
    );
    report(
      'push (one run each, into an empty registry)',
      [
        { name: 'skopeo → docker-registry', ms: skopeoPush, bytes: image.blobBytes },
        { name: 'berth push → berth registry', ms: berthPush, bytes: image.blobBytes },
      ],
      'skopeo → docker-registry',
    );
    const digests = await Promise.all(
      [berthRef, distRef].map(async (ref) => (JSON.parse(await must('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`])) as { Digest: string }).Digest),
    );
    console.log(`  manifest digests: berth registry ${digests[0]}, docker-registry ${digests[1]}${digests[0] === digests[1] ? ' (same)' : ''}`);

    // Single pulls, every client against every registry, interleaved. Each starts on a clean
    // disk (sync first): skopeo's dir: does not fsync, and its writeback must not land in the
    // next case's time. The results are checked after the timings.
    const pulls = [
      { name: 'skopeo ← docker-registry', fn: () => skopeoPull(lab, distRef) },
      { name: 'berth pull ← berth registry', fn: () => berthPull(lab, berthRef) },
      { name: 'berth pull ← docker-registry', fn: () => berthPull(lab, distRef) },
      { name: 'skopeo ← berth registry', fn: () => skopeoPull(lab, berthRef) },
      // The same work made durable, as berth's pull is: skopeo's copy, then `sync`.
      {
        name: 'skopeo ← docker-registry + sync',
        fn: async () => {
          const check = await skopeoPull(lab, distRef);
          await must('sync', []);
          return check;
        },
      },
    ];
    const checks: Check[] = [];
    const pullTimes = await interleavedMedians(
      runs,
      pulls.map((p) => ({ before: syncDisks, fn: async () => void checks.push(await p.fn()) })),
    );
    for (const check of checks.splice(0)) await check();
    report(
      `pull (median of ${runs}; berth into a fresh root, skopeo to a dir:)`,
      pulls.map((p, i) => ({ name: p.name, ms: pullTimes[i]?.ms ?? NaN, bytes: image.blobBytes })),
      'skopeo ← docker-registry',
    );

    // Many clients at once.
    const together = async (fn: () => Promise<Check>): Promise<number> => {
      syncDisks();
      const ms = await timed(() => Promise.all(Array.from({ length: clients }, async () => void checks.push(await fn()))).then(() => undefined));
      for (const check of checks.splice(0)) await check();
      return ms;
    };
    const rows: Array<{ name: string; ms: number; bytes: number }> = [];
    for (const p of pulls) rows.push({ name: p.name, ms: await together(p.fn), bytes: image.blobBytes * clients });
    report(`${clients} clients pulling at once (wall time until all are done; MB/s is the aggregate)`, rows, 'skopeo ← docker-registry');
  } finally {
    cleanup(dir);
  }
}

await main();
