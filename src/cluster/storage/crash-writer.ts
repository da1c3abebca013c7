/*
 * Test helper for sqlite-crash.test.ts, run as a child process: writes to the store at
 * argv[2] as fast as it can and prints "<revision> <key> <value>" for every write the
 * store acknowledged, until it is killed.
 */
import { openSqliteStore } from './sqlite.js';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer.js DB');
const store = await openSqliteStore({ path, compaction: false });
let n = 0;
const writer = async (id: number): Promise<never> => {
  const counter = `/crash/counter-${id}`;
  let rev = await store.create(counter, Buffer.from('0'));
  process.stdout.write(`${rev} ${counter} 0\n`);
  for (;;) {
    const i = n++;
    const key = i % 2 === 0 ? `/crash/keys/${i}` : counter;
    const value = String(i);
    rev = key === counter ? await store.update(key, Buffer.from(value), rev) : await store.create(key, Buffer.from(value));
    process.stdout.write(`${rev} ${key} ${value}\n`);
  }
};
await Promise.all([0, 1, 2, 3].map(writer));
