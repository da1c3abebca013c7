import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorKind } from '../lib/index.js';
import { TarReader, type TarHeader } from './tar-reader.js';

interface Raw {
  name: string;
  flag: string;
  body?: Buffer | string;
  uid?: Buffer;
  magic?: 'ustar' | 'gnu' | 'v7';
  badChecksum?: boolean;
}

/** A hand-encoded header block (+ body), for formats tar-stream's pack cannot write. */
function block({ name, flag, body = '', uid, magic = 'gnu', badChecksum }: Raw): Buffer {
  const data = Buffer.from(body);
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000755\0', 100);
  if (uid) uid.copy(h, 108);
  else h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('13000000000\0', 136);
  h.write(flag, 156, 'latin1');
  if (magic === 'gnu') h.write('ustar  \0', 257, 'latin1');
  if (magic === 'ustar') h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${(sum + (badChecksum ? 1 : 0)).toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function read(tar: Buffer, chunk = 7): Array<TarHeader & { content: string }> {
  const seen: Array<TarHeader & { content: string }> = [];
  const reader = new TarReader({
    entry(header) {
      const entry = { ...header, content: '' };
      seen.push(entry);
      return { write: (c) => (entry.content += c.toString()), end: () => {} };
    },
  });
  for (let i = 0; i < tar.length; i += chunk) reader.push(tar.subarray(i, i + chunk));
  reader.end();
  return seen;
}

const END = Buffer.alloc(1024);

describe('TarReader', () => {
  it('reads GNU long names and long link targets', () => {
    const long = `dir/${'n'.repeat(300)}`;
    const target = `t/${'l'.repeat(200)}`;
    const tar = Buffer.concat([
      block({ name: '././@LongLink', flag: 'L', body: `${long}\0` }),
      block({ name: 'short', flag: '0', body: 'hello' }),
      block({ name: '././@LongLink', flag: 'K', body: `${target}\0` }),
      block({ name: 'sym', flag: '2' }),
      END,
    ]);
    const [file, sym] = read(tar);
    assert.equal(file?.name, long);
    assert.equal(file?.content, 'hello');
    assert.equal(sym?.type, 'symlink');
    assert.equal(sym?.linkname, target);
    assert.equal(sym?.name, 'sym');
  });

  it('reads base-256 numbers, v7 directories and a ustar prefix', () => {
    const uid = Buffer.from([0x80, 0, 0, 0, 0, 0, 0x98, 0x96, 0x80].slice(0, 8));
    const prefixed = block({ name: 'file', flag: '0', magic: 'ustar' });
    prefixed.write('some/prefix', 345);
    prefixed.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of prefixed.subarray(0, 512)) sum += byte;
    prefixed.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const tar = Buffer.concat([
      block({ name: 'big', flag: '0', uid }),
      block({ name: 'old/', flag: '\0', magic: 'v7' }),
      prefixed,
      END,
    ]);
    const [big, old, withPrefix] = read(tar, 512);
    assert.equal(big?.uid, 0x989680 >> 8);
    assert.equal(old?.type, 'directory');
    assert.equal(withPrefix?.name, 'some/prefix/file');
  });

  it('accepts an archive without end marker and ignores what follows one', () => {
    assert.equal(read(block({ name: 'a', flag: '0', body: 'x' })).length, 1);
    const tar = Buffer.concat([block({ name: 'a', flag: '0' }), END, block({ name: 'b', flag: '0' })]);
    assert.deepEqual(
      read(tar).map((e) => e.name),
      ['a'],
    );
  });

  it('gives header-only types no content and marks unknown types unsupported', () => {
    const tar = Buffer.concat([block({ name: 'sparse', flag: 'S', body: 'data' }), block({ name: 'next', flag: '0', body: 'n' }), END]);
    const [sparse, next] = read(tar);
    assert.equal(sparse?.type, 'unsupported');
    assert.equal(sparse?.typeflag, 'S');
    assert.equal(next?.content, 'n');
  });

  it('refuses bad checksums, malformed PAX records and truncation as invalid-argument', () => {
    const invalid = (tar: Buffer): void =>
      assert.throws(
        () => read(tar),
        (err: Error) => errorKind(err) === 'invalid-argument',
      );
    invalid(Buffer.concat([block({ name: 'a', flag: '0', badChecksum: true }), END]));
    invalid(Buffer.concat([block({ name: 'PaxHeader', flag: 'x', body: '99 path=x\n' }), block({ name: 'a', flag: '0' }), END]));
    invalid(Buffer.concat([block({ name: 'PaxHeader', flag: 'x', body: '10 uid=-1\n' }), block({ name: 'a', flag: '0' }), END]));
    invalid(block({ name: 'a', flag: '0', body: 'x'.repeat(600) }).subarray(0, 700));
  });
});
