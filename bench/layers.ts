/**
 * Layer creation and extraction on a ~200 MB tree of many files, against GNU tar on the
 * same tree. Goal: within 1.5× of GNU tar.
 *
 * Creation: `tar -cf` against tarDirectory streamed to a file, and to a sha256 digester
 * (what making a layer blob costs). Extraction: `tar -xf` / `tar -xzf` against applyLayer
 * of the same GNU-made tar, plain and gzip. Each side's output is checked against the
 * other's (archive listings, extracted trees), so a broken writer cannot look fast.
 *
 * Environment:
 *   BENCH_BYTES   file content in the tree (default 200e6)
 *   BENCH_RUNS    runs per measurement; the median is reported (default 3)
 *   BENCH_DIR     parent of the temp dir (default os.tmpdir()), e.g. a tmpfs to take the disk out
 *   BENCH_SOURCE  ':'-separated directories whose subtrees are copied into the tree
 *                 (default /usr/share); the rest is synthesised. Empty: all synthetic.
 *   BENCH_ONLY    ','-separated subset of create, extract, gzip (default all), e.g. to
 *                 profile one part: BENCH_RUNS=1 BENCH_ONLY=extract node --cpu-prof …
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { applyLayer, openLayerStream, tarDirectory } from '../src/layers/index.js';
import { Digester } from '../src/oci/index.js';
import { command, interleavedMedians, report, syncDisks } from './harness.js';

const targetBytes = Number(process.env['BENCH_BYTES'] ?? 200_000_000);
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const parent = process.env['BENCH_DIR'] || os.tmpdir();
const sources = (process.env['BENCH_SOURCE'] ?? '/usr/share').split(':').filter((s) => s !== '');
const sections = new Set((process.env['BENCH_ONLY'] ?? 'create,extract,gzip').split(',').map((s) => s.trim()));
const GOAL = 1.5;
const READ_CHUNK = 1 << 20;
/** Below this budget, a subtree too large to copy whole is not worth descending into. */
const MIN_DESCEND = 1 << 20;

// ---------------------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------------------

/** mulberry32: a small deterministic PRNG, so synthetic content is the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Synth {
  private readonly random = prng(0x6265727468);
  /** 1 MiB of word soup: compresses about as well as the text files in a real image. */
  readonly text: Buffer;

  constructor() {
    const words: string[] = [];
    for (let i = 0; i < 512; i++) {
      let word = '';
      const length = 2 + this.int(9);
      for (let j = 0; j < length; j++) word += String.fromCharCode(97 + this.int(26));
      words.push(word);
    }
    const parts: string[] = [];
    let length = 0;
    while (length < READ_CHUNK) {
      const word = words[this.int(words.length)] ?? 'x';
      const sep = this.int(12) === 0 ? '\n' : ' ';
      parts.push(word, sep);
      length += word.length + 1;
    }
    this.text = Buffer.from(parts.join('')).subarray(0, READ_CHUNK);
  }

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  /** `size` bytes of text starting at a random offset of the pool, wrapping around. */
  textBytes(size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    let offset = this.int(this.text.length);
    for (let done = 0; done < size; ) {
      const n = this.text.copy(out, done, offset, Math.min(this.text.length, offset + size - done));
      done += n;
      offset = 0;
    }
    return out;
  }

  /** Incompressible bytes, like an already compressed asset or a stripped binary. */
  randomBytes(size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    for (let i = 0; i + 4 <= size; i += 4) out.writeUInt32LE(Math.floor(this.random() * 4294967296), i);
    for (let i = size - (size % 4); i < size; i++) out[i] = this.int(256);
    return out;
  }
}

/**
 * What a real tree has that /usr/share lacks: large files, hardlinks (also across
 * directories and to a large file), relative, absolute and dangling symlinks, a name past
 * 100 bytes, a UTF-8 name, odd modes, an empty file and directory, another owner.
 * Returns the bytes of file content written.
 */
function writeExtras(dir: string, synth: Synth): number {
  let bytes = 0;
  const file = (rel: string, content: Buffer, mode = 0o644): void => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    fs.chmodSync(p, mode);
    bytes += content.length;
  };
  file('large/text.log', synth.textBytes(8 << 20));
  file('large/random.bin', synth.randomBytes(8 << 20), 0o755);
  for (let i = 0; i < 16; i++) file(`small/file-${String(i).padStart(2, '0')}.txt`, synth.textBytes(1 + synth.int(16 << 10)));
  file('modes/setuid', synth.textBytes(100), 0o4755);
  file('modes/private', synth.textBytes(100), 0o600);
  file('modes/sticky-dir/inner', synth.textBytes(10));
  fs.chmodSync(path.join(dir, 'modes/sticky-dir'), 0o1777);
  file('modes/empty', Buffer.alloc(0));
  fs.mkdirSync(path.join(dir, 'modes/empty-dir'));
  file('owned/by-1000', synth.textBytes(200));
  fs.chownSync(path.join(dir, 'owned/by-1000'), 1000, 1000);
  fs.chownSync(path.join(dir, 'owned'), 1000, 1000);
  const longDir = `long/${'d'.repeat(60)}/${'e'.repeat(60)}`;
  file(`${longDir}/${'f'.repeat(90)}.txt`, synth.textBytes(300));
  file('names/r\u00e9sum\u00e9 \u2014 caf\u00e9.txt', synth.textBytes(300));
  file('names/with space and #hash', synth.textBytes(30));

  fs.mkdirSync(path.join(dir, 'links'));
  fs.linkSync(path.join(dir, 'large/random.bin'), path.join(dir, 'links/random-hardlink.bin'));
  for (let i = 0; i < 16; i++) {
    const name = `file-${String(i).padStart(2, '0')}.txt`;
    fs.linkSync(path.join(dir, 'small', name), path.join(dir, 'links', `hard-${name}`));
    if (i % 4 === 0) fs.linkSync(path.join(dir, 'small', name), path.join(dir, 'small', `again-${name}`));
  }
  fs.linkSync(path.join(dir, longDir, `${'f'.repeat(90)}.txt`), path.join(dir, 'links/hard-to-long-name'));
  fs.symlinkSync('../small/file-00.txt', path.join(dir, 'links/relative'));
  fs.symlinkSync('../small', path.join(dir, 'links/to-dir'));
  fs.symlinkSync('/usr/share/doc', path.join(dir, 'links/absolute'));
  fs.symlinkSync('does/not/exist', path.join(dir, 'links/dangling'));
  fs.symlinkSync(`../${longDir}/${'f'.repeat(90)}.txt`, path.join(dir, 'links/long-target'));
  return bytes;
}

/** Many small text files (1–64 KB) in nested directories, `bytes` in all. */
function synthesise(dir: string, bytes: number, synth: Synth): number {
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const sub = path.join(dir, `d${String(Math.floor(i / 1024)).padStart(2, '0')}`, `e${String(Math.floor(i / 64) % 16).padStart(2, '0')}`);
    if (i % 64 === 0) fs.mkdirSync(sub, { recursive: true });
    const size = Math.min(bytes - written, 1024 + synth.int(63 << 10));
    fs.writeFileSync(path.join(sub, `f${String(i % 64).padStart(2, '0')}.txt`), synth.textBytes(size));
    written += size;
  }
  return written;
}

/** Regular-file bytes under every path of `root`, keyed by absolute path. */
function contentSizes(root: string, into: Map<string, number>): number {
  const st = fs.lstatSync(root);
  let size = 0;
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(root)) size += contentSizes(path.join(root, name), into);
  } else if (st.isFile()) {
    size = st.size;
  }
  into.set(root, size);
  return size;
}

/**
 * Copies the subtrees of `src` into `dest` in byte order with `cp -a` while they fit in
 * `budget`, descending into the first one too large to copy whole. Returns bytes copied.
 */
function copyUpTo(src: string, dest: string, budget: number, sizes: ReadonlyMap<string, number>): number {
  fs.mkdirSync(dest);
  let used = 0;
  let batch: string[] = [];
  const flush = (): void => {
    if (batch.length > 0) command('cp', ['-a', '--', ...batch, dest]);
    batch = [];
  };
  for (const name of fs.readdirSync(src).sort()) {
    const child = path.join(src, name);
    const size = sizes.get(child) ?? 0;
    if (used + size <= budget) {
      batch.push(child);
      used += size;
    } else if (budget - used >= MIN_DESCEND && fs.lstatSync(child).isDirectory()) {
      flush();
      used += copyUpTo(child, path.join(dest, name), budget - used, sizes);
    }
  }
  flush();
  const st = fs.lstatSync(src);
  fs.chownSync(dest, st.uid, st.gid);
  fs.chmodSync(dest, st.mode & 0o7777);
  fs.utimesSync(dest, st.atime, st.mtime);
  return used;
}

interface TreeStats {
  files: number;
  dirs: number;
  symlinks: number;
  /** Paths to an inode already counted. */
  hardlinks: number;
  other: number;
  /** Regular-file content, each inode once. */
  bytes: number;
}

function treeStats(root: string, stats: TreeStats = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, other: 0, bytes: 0 }, seen = new Set<number>()): TreeStats {
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) {
      stats.dirs++;
      treeStats(p, stats, seen);
    } else if (entry.isSymbolicLink()) {
      stats.symlinks++;
    } else if (entry.isFile()) {
      const st = fs.lstatSync(p);
      if (st.nlink > 1 && seen.has(st.ino)) {
        stats.hardlinks++;
        continue;
      }
      if (st.nlink > 1) seen.add(st.ino);
      stats.files++;
      stats.bytes += st.size;
    } else {
      stats.other++;
    }
  }
  return stats;
}

function buildTree(tree: string): { stats: TreeStats; copied: number; synthetic: number } {
  const synth = new Synth();
  fs.mkdirSync(tree);
  let synthetic = writeExtras(path.join(tree, 'extras'), synth);
  let copied = 0;
  for (const source of sources) {
    const budget = targetBytes - synthetic - copied;
    if (budget <= 0) break;
    if (!fs.existsSync(source)) {
      console.log(`  (source ${source} does not exist: synthesising instead)`);
      continue;
    }
    const sizes = new Map<string, number>();
    contentSizes(source, sizes);
    copied += copyUpTo(source, path.join(tree, path.basename(source) || 'root'), budget, sizes);
  }
  const rest = targetBytes - synthetic - copied;
  if (rest > 0) synthetic += synthesise(path.join(tree, 'synthetic'), rest, synth);
  return { stats: treeStats(tree), copied, synthetic };
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

interface ListedEntry {
  type: string;
  rest: string;
  size: string;
  target: string;
}

/**
 * GNU tar's own listing of an archive, by name: the reader that checks berth's writer is
 * not berth's. `./` prefixes and the root entry go (GNU writes them, berth does not).
 */
function listArchive(file: string): Map<string, ListedEntry> {
  const out = command('tar', ['--numeric-owner', '--full-time', '--utc', '-tvf', file]);
  const entries = new Map<string, ListedEntry>();
  const line = /^(\S)(\S{9}) (\d+\/\d+) +(\S+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)$/;
  for (const text of out.split('\n')) {
    if (text === '') continue;
    const m = line.exec(text);
    if (!m) throw new Error(`cannot parse tar listing line ${JSON.stringify(text)}`);
    const [, type = '', perms = '', owner = '', size = '', mtime = '', tail = ''] = m;
    let name = tail;
    let target = '';
    const arrow = type === 'l' ? tail.indexOf(' -> ') : type === 'h' ? tail.indexOf(' link to ') : -1;
    if (arrow >= 0) {
      name = tail.slice(0, arrow);
      target = tail.slice(arrow + (type === 'l' ? 4 : 9));
    }
    name = name.replace(/^\.\//, '').replace(/\/$/, '');
    target = type === 'h' ? target.replace(/^\.\//, '') : target;
    if (name === '.' || name === '') continue;
    if (entries.has(name)) throw new Error(`${file} lists ${name} twice`);
    entries.set(name, { type, rest: `${perms} ${owner} ${mtime}`, size, target });
  }
  return entries;
}

/**
 * Same names, and for each the same type, mode, owner, mtime, size and link target.
 * Which path of a hardlinked inode is stored whole depends on walk order (GNU tar's is
 * readdir order, berth's byte order), so a hardlink matches a regular file, and the two
 * archives must agree on the groups of names sharing an inode instead.
 */
function compareArchives(gnuFile: string, berthFile: string): number {
  const gnu = listArchive(gnuFile);
  const berth = listArchive(berthFile);
  const problems: string[] = [];
  for (const name of gnu.keys()) if (!berth.has(name)) problems.push(`missing from berth's tar: ${name}`);
  for (const name of berth.keys()) if (!gnu.has(name)) problems.push(`only in berth's tar: ${name}`);
  for (const [name, g] of gnu) {
    const b = berth.get(name);
    if (!b) continue;
    const linked = g.type === 'h' || b.type === 'h';
    const same =
      g.rest === b.rest &&
      (linked ? [g.type, b.type].every((t) => t === 'h' || t === '-') : g.type === b.type && g.size === b.size && g.target === b.target);
    if (!same) problems.push(`${name}: GNU ${g.type}${g.rest} ${g.size} ${g.target} / berth ${b.type}${b.rest} ${b.size} ${b.target}`);
  }
  const groups = (entries: Map<string, ListedEntry>): string[] => {
    const byFirst = new Map<string, string[]>();
    for (const [name, e] of entries) {
      if (e.type !== 'h') continue;
      const group = byFirst.get(e.target) ?? [e.target];
      group.push(name);
      byFirst.set(e.target, group);
    }
    return [...byFirst.values()].map((g) => g.sort().join(' = ')).sort();
  };
  const gnuGroups = groups(gnu);
  const berthGroups = groups(berth);
  if (gnuGroups.join('\n') !== berthGroups.join('\n')) {
    problems.push(`hardlink groups differ:\n    GNU:   ${gnuGroups.join('\n           ')}\n    berth: ${berthGroups.join('\n           ')}`);
  }
  fail('archives differ', problems);
  return gnu.size;
}

/** One line per path: type, mode, owner, size (not for directories), links, mtime, link target. */
function listTree(root: string): string[] {
  const result = spawnSync('find', [root, '-mindepth', '1', '-printf', '%P\\t%y %m %U:%G %s %n %T@ %l\\0'], {
    maxBuffer: 1 << 28,
    encoding: 'buffer',
  });
  if (result.status !== 0) throw new Error(`find ${root} failed: ${result.stderr.toString()}`);
  return result.stdout
    .toString('utf8')
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^([^\t]*\td \S+ \S+) \d+ /, '$1 - '))
    .sort();
}

function compareTrees(what: string, expected: readonly string[], actual: readonly string[]): void {
  const want = new Set(expected);
  const got = new Set(actual);
  const problems = [
    ...expected.filter((line) => !got.has(line)).map((line) => `GNU tar:  ${line}`),
    ...actual.filter((line) => !want.has(line)).map((line) => `berth:    ${line}`),
  ];
  fail(`${what}: extracted trees differ (find %P %y %m %U:%G %s %n %T@ %l)`, problems.sort());
}

function fail(what: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, 20).map((p) => `  ${p}`);
  if (problems.length > shown.length) shown.push(`  … and ${problems.length - shown.length} more`);
  throw new Error(`${what}:\n${shown.join('\n')}`);
}

function sha256File(file: string): string {
  return `sha256:${command('sha256sum', [file]).split(' ')[0] ?? ''}`;
}

function digestSink(digester: Digester): Writable {
  return new Writable({
    highWaterMark: READ_CHUNK,
    write(chunk: Buffer, _encoding, callback) {
      digester.update(chunk);
      callback();
    },
  });
}

function fresh(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  syncDisks();
}

/** The goal per row, and every run's time: medians of 3 hide how noisy a machine is. */
function verdict(rows: ReadonlyArray<{ name: string; ms: number; times: readonly number[] }>, anchor: string): void {
  const base = rows.find((r) => r.name === anchor);
  if (!base) return;
  console.log(`  runs (ms, in order): ${rows.map((r) => `${r.name}: ${r.times.map((t) => t.toFixed(0)).join(' ')}`).join('; ')}`);
  for (const row of rows) {
    if (row === base) continue;
    const ratio = row.ms / base.ms;
    console.log(`  ${ratio <= GOAL ? 'meets' : 'MISSES'} the ${GOAL}× goal: ${row.name} (${ratio.toFixed(2)}×)`);
  }
}

// ---------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------

const work = fs.mkdtempSync(path.join(parent, 'berth-bench-layers-'));
const cleanUp = (): void => fs.rmSync(work, { recursive: true, force: true });
const onSignal = (signal: NodeJS.Signals): void => {
  cleanUp();
  process.kill(process.pid, signal);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  const tree = path.join(work, 'tree');
  const gnuTar = path.join(work, 'gnu.tar');
  const gnuTgz = `${gnuTar}.gz`;
  const berthTar = path.join(work, 'berth.tar');
  const gnuOut = path.join(work, 'gnu-out');
  const berthOut = path.join(work, 'berth-out');

  let start = Date.now();
  const { stats, copied, synthetic } = buildTree(tree);
  const entries = stats.files + stats.dirs + stats.symlinks + stats.hardlinks + stats.other;
  const bytes = stats.bytes;
  console.log(`tree in ${work} (${((Date.now() - start) / 1000).toFixed(1)} s to build)`);
  console.log(
    `  ${entries} entries: ${stats.files} files, ${stats.dirs} dirs, ${stats.symlinks} symlinks, ` +
      `${stats.hardlinks} hardlinks${stats.other ? `, ${stats.other} other` : ''}`,
  );
  console.log(
    `  ${(bytes / 1e6).toFixed(1)} MB of file content (${(copied / 1e6).toFixed(1)} MB copied from ` +
      `${sources.join(':') || 'nowhere'}, ${(synthetic / 1e6).toFixed(1)} MB synthetic); mean file ${(bytes / stats.files / 1024).toFixed(1)} KiB`,
  );
  console.log(`  node ${process.version}, ${command('tar', ['--version']).split('\n')[0]}, ${os.cpus().length} CPUs, median of ${runs}; MB/s is file content per second`);

  // GNU tar's archive is the input to every extraction, so it is made even if creation is skipped.
  command('tar', ['--numeric-owner', '-C', tree, '-cf', gnuTar, '.']);
  const tarSize = fs.statSync(gnuTar).size;

  if (sections.has('create')) {
    const digests = new Set<string>();
    const [gnu, toFile, toDigest] = await interleavedMedians(runs, [
      {
        before: () => {
          fs.rmSync(gnuTar, { force: true });
          syncDisks();
        },
        fn: () => void command('tar', ['--numeric-owner', '-C', tree, '-cf', gnuTar, '.']),
      },
      {
        before: () => {
          fs.rmSync(berthTar, { force: true });
          syncDisks();
        },
        fn: () => pipeline(tarDirectory(tree), fs.createWriteStream(berthTar)),
      },
      {
        before: syncDisks,
        fn: async () => {
          const digester = new Digester();
          await pipeline(tarDirectory(tree), digestSink(digester));
          digests.add(digester.digest());
        },
      },
    ]);
    if (!gnu || !toFile || !toDigest) throw new Error('no timings');
    // The digest of the streamed tar, every time, is the digest of the tar on disk.
    const fileDigest = sha256File(berthTar);
    if (digests.size !== 1 || !digests.has(fileDigest)) {
      throw new Error(`tarDirectory is not deterministic or not what was written: ${[...digests].join(', ')} vs ${fileDigest}`);
    }
    const listed = compareArchives(gnuTar, berthTar);
    console.log(`\n  checked: both archives list the same ${listed} entries; berth's tar is ${fileDigest.slice(0, 19)}… every run`);
    const rows = [
      { name: 'GNU tar -cf', ms: gnu.ms, bytes, times: gnu.times },
      { name: 'berth tarDirectory → file', ms: toFile.ms, bytes, times: toFile.times },
      { name: 'berth tarDirectory → sha256', ms: toDigest.ms, bytes, times: toDigest.times },
    ];
    report(`Layer creation (GNU tar ${(tarSize / 1e6).toFixed(1)} MB, berth ${(fs.statSync(berthTar).size / 1e6).toFixed(1)} MB)`, rows, 'GNU tar -cf');
    verdict(rows, 'GNU tar -cf');
    fs.rmSync(berthTar, { force: true });
  }

  const tarDigest = sha256File(gnuTar);
  const extraction = async (gzip: boolean): Promise<void> => {
    const input = gzip ? gnuTgz : gnuTar;
    const gnuName = gzip ? 'GNU tar -xzf' : 'GNU tar -xf';
    const berthName = gzip ? 'berth applyLayer (gzip)' : 'berth applyLayer';
    const results: Array<{ diffId: string; size: number }> = [];
    const [gnu, berth] = await interleavedMedians(runs, [
      { before: () => fresh(gnuOut), fn: () => void command('tar', [gzip ? '-xzf' : '-xf', input, '-C', gnuOut]) },
      {
        before: () => fresh(berthOut),
        fn: async () => {
          const stream = fs.createReadStream(input, { highWaterMark: READ_CHUNK });
          results.push(await applyLayer(gzip ? await openLayerStream(stream) : stream, berthOut));
        },
      },
    ]);
    if (!gnu || !berth) throw new Error('no timings');
    for (const r of results) {
      if (r.diffId !== tarDigest || r.size !== tarSize) throw new Error(`applyLayer reported ${r.diffId} (${r.size} bytes), the tar is ${tarDigest} (${tarSize})`);
    }
    const reference = listTree(gnuOut);
    compareTrees(berthName, reference, listTree(berthOut));
    console.log(`\n  checked: ${reference.length} paths extracted alike (type, mode, owner, size, links, mtime, target); diffId right`);
    const rows = [
      { name: gnuName, ms: gnu.ms, bytes, times: gnu.times },
      { name: berthName, ms: berth.ms, bytes, times: berth.times },
    ];
    const size = gzip ? `${(fs.statSync(gnuTgz).size / 1e6).toFixed(1)} MB gzip of ` : '';
    report(`Layer extraction (${size}GNU tar's ${(tarSize / 1e6).toFixed(1)} MB tar)`, rows, gnuName);
    verdict(rows, gnuName);
    fs.rmSync(gnuOut, { recursive: true, force: true });
    fs.rmSync(berthOut, { recursive: true, force: true });
  };
  if (sections.has('extract')) await extraction(false);
  if (sections.has('gzip')) {
    start = Date.now();
    command('gzip', ['-k', '-f', gnuTar]);
    console.log(`\n  (gzip -6 of the tar: ${((Date.now() - start) / 1000).toFixed(1)} s, not measured)`);
    await extraction(true);
  }
} finally {
  cleanUp();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
