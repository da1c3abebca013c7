import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lookupCredentials, removeCredentials, saveCredentials } from './credentials.js';

function tempHome(): { home: string; cleanup(): void } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-creds-'));
  return { home, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

test('reads Docker config.json, including Docker Hub under its legacy key', (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  fs.mkdirSync(path.join(home, '.docker'));
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  fs.writeFileSync(
    path.join(home, '.docker', 'config.json'),
    JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:secret') }, 'reg.example:5000': { auth: b64('u:p:with:colons') } } }),
  );
  const sources = { home, env: {} };
  assert.deepEqual(lookupCredentials('docker.io', sources), { username: 'hub', password: 'secret' });
  assert.deepEqual(lookupCredentials('reg.example:5000', sources), { username: 'u', password: 'p:with:colons' });
  assert.equal(lookupCredentials('other.example', sources), undefined);
});

test('berth file wins, is written 0600 and can be removed', (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const file = path.join(home, 'berth-auth.json');
  const sources = { home, env: { BERTH_CONFIG: file } };
  saveCredentials('127.0.0.1:5000', { username: 'me', password: 'pw' }, sources);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(lookupCredentials('127.0.0.1:5000', sources), { username: 'me', password: 'pw' });
  assert.equal(removeCredentials('127.0.0.1:5000', sources), true);
  assert.equal(lookupCredentials('127.0.0.1:5000', sources), undefined);
  assert.equal(removeCredentials('127.0.0.1:5000', sources), false);
});
