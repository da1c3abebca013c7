import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressRenderer } from './progress.js';

test('plain output prints each status change once', () => {
  let text = '';
  const render = progressRenderer({ isTTY: false, write: (t) => (text += t) });
  render({ status: 'Pulling from test/bb', id: '1' });
  render({ status: 'Downloading', id: 'abc', progressDetail: { current: 1, total: 10 } });
  render({ status: 'Downloading', id: 'abc', progressDetail: { current: 5, total: 10 } });
  render({ status: 'Pull complete', id: 'abc' });
  render({ status: 'Digest: sha256:00' });
  assert.equal(text, '1: Pulling from test/bb\nabc: Downloading\nabc: Pull complete\nDigest: sha256:00\n');
});

test('a terminal gets the layer line redrawn in place', () => {
  let text = '';
  const render = progressRenderer({ isTTY: true, write: (t) => (text += t) });
  render({ status: 'Waiting', id: 'a' });
  render({ status: 'Waiting', id: 'b' });
  render({ status: 'Pushed', id: 'a' });
  assert.equal(text, 'a: Waiting\nb: Waiting\n\x1b[2A\r\x1b[2Ka: Pushed\r\x1b[2B');
});
