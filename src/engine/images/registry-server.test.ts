import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryServer } from './service.js';

test('registryServer reads a login serveraddress as Docker does', () => {
  assert.equal(registryServer(undefined), 'docker.io');
  assert.equal(registryServer(''), 'docker.io');
  assert.equal(registryServer('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(registryServer('registry-1.docker.io'), 'docker.io');
  assert.equal(registryServer('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(registryServer('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(registryServer(' reg.example:443 '), 'reg.example:443');
});
