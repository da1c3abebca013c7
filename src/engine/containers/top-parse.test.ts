import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterPsOutput, psArguments } from './top-parse.js';

const PS_EF = [
  'UID          PID    PPID  C STIME TTY          TIME CMD',
  'root           1       0  0 10:00 ?        00:00:01 /sbin/init',
  'root         412       1  0 10:01 ?        00:00:00 sleep 60',
  'root         413     412  0 10:01 ?        00:00:00 sh -c echo hi  there',
  '',
].join('\n');

test('rows are kept by PID and the command keeps its spaces', () => {
  const table = filterPsOutput(PS_EF, new Set([412, 413]));
  assert.deepEqual(table.titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.deepEqual(table.processes, [
    ['root', '412', '1', '0', '10:01', '?', '00:00:00', 'sleep 60'],
    ['root', '413', '412', '0', '10:01', '?', '00:00:00', 'sh -c echo hi there'],
  ]);
});

test('PID need not be the first column; without one ps output is refused', () => {
  const out = 'USER  PID %CPU COMMAND\nroot  7 0.0 top -b\nroot 8 0.0 other\n';
  assert.deepEqual(filterPsOutput(out, new Set([7])).processes, [['root', '7', '0.0', 'top -b']]);
  assert.throws(() => filterPsOutput('USER COMMAND\nroot x\n', new Set([1])), /Couldn't find PID field/);
});

test('ps arguments default to -ef', () => {
  assert.deepEqual(psArguments(undefined), ['-ef']);
  assert.deepEqual(psArguments('  '), ['-ef']);
  assert.deepEqual(psArguments('aux'), ['aux']);
  assert.deepEqual(psArguments('-o pid,comm'), ['-o', 'pid,comm']);
});
