import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readLogs, type ReadLogsOptions } from './logs-read.js';

function tempLog(): { file: string; done(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-logs-'));
  return { file: path.join(dir, 'ctr.log'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

async function lines(file: string, options: ReadLogsOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of readLogs(file, options)) out.push(`${entry.stream}:${entry.line}${entry.partial ? '…' : ''}`);
  return out;
}

const LOG = [
  '2020-01-01T00:00:01.000000001Z stdout F one',
  '2020-01-01T00:00:02.000000000Z stderr F two',
  '2020-01-01T00:00:03.000000000Z stdout P thr',
  '2020-01-01T00:00:03.500000000Z stdout F ee',
  '2020-01-01T00:00:04.000000000Z stdout P four',
  '',
].join('\n');

test('reads, filters by since/until/stream and tails', async () => {
  const { file, done } = tempLog();
  try {
    writeFileSync(file, LOG);
    assert.deepEqual(await lines(file), ['stdout:one', 'stderr:two', 'stdout:three', 'stdout:four…']);
    assert.deepEqual(await lines(file, { since: '2020-01-01T00:00:01.000000002Z' }), ['stderr:two', 'stdout:three', 'stdout:four…']);
    assert.deepEqual(await lines(file, { since: new Date('2020-01-01T00:00:02Z'), until: '2020-01-01T00:00:03Z' }), ['stderr:two', 'stdout:three']);
    assert.deepEqual(await lines(file, { streams: ['stderr'] }), ['stderr:two']);
    assert.deepEqual(await lines(file, { tail: 2 }), ['stdout:three', 'stdout:four…']);
    assert.deepEqual(await lines(file, { tail: 0 }), []);
    assert.deepEqual(await lines(path.join(path.dirname(file), 'missing.log')), []);
  } finally {
    done();
  }
});

test('follows appends, a half-written record, rotation, and stops when told', async () => {
  const { file, done } = tempLog();
  try {
    writeFileSync(file, '2020-01-01T00:00:01Z stdout F before\n');
    let stop!: () => void;
    const stopWhen = new Promise<void>((resolve) => (stop = resolve));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const entry of readLogs(file, { follow: true, stopWhen, pollMs: 20 })) seen.push(entry.line);
    })();
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(file, '2020-01-01T00:00:02Z stdout F after\n2020-01-01T00:00:03Z stdout F hal');
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(file, 'f\n');
    await new Promise((r) => setTimeout(r, 80));
    // conmon rotates by renaming a fresh file into place
    writeFileSync(`${file}.new`, '2020-01-01T00:00:04Z stderr F rotated\n');
    renameSync(`${file}.new`, file);
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(file, '2020-01-01T00:00:05Z stdout F last\n');
    stop();
    await reading;
    assert.deepEqual(seen, ['before', 'after', 'half', 'rotated', 'last']);
  } finally {
    done();
  }
});

test('a follow ends on abort', async () => {
  const { file, done } = tempLog();
  try {
    writeFileSync(file, '2020-01-01T00:00:01Z stdout F x\n');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    assert.deepEqual(await lines(file, { follow: true, signal: controller.signal, pollMs: 20 }), ['stdout:x']);
  } finally {
    done();
  }
});
