import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes.js';

test('applyChanges sets execution defaults from Dockerfile-like instructions', () => {
  const config = applyChanges({ Env: ['PATH=/bin'] }, [
    'CMD ["sh", "-c", "echo hi"]',
    'ENTRYPOINT /init',
    'ENV A=1 B="two words"',
    'ENV PATH=/usr/bin',
    'LABEL org.example=yes',
    'EXPOSE 80 53/udp',
    'VOLUME /data',
    'USER 1000:1000',
    'WORKDIR /srv',
    'WORKDIR app',
    'STOPSIGNAL SIGINT',
  ]);
  assert.deepEqual(config.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(config.Entrypoint, ['/bin/sh', '-c', '/init']);
  assert.deepEqual(config.Env, ['A=1', 'B=two words', 'PATH=/usr/bin']);
  assert.deepEqual(config.Labels, { 'org.example': 'yes' });
  assert.deepEqual(config.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(config.Volumes, { '/data': {} });
  assert.equal(config.User, '1000:1000');
  assert.equal(config.WorkingDir, '/srv/app');
  assert.equal(config.StopSignal, 'SIGINT');
});

test('applyChanges refuses what docker import refuses', () => {
  assert.throws(() => applyChanges({}, ['RUN echo hi']), { kind: 'invalid-argument', message: /RUN is not allowed/ });
  assert.throws(() => applyChanges({}, ['CMD ["unterminated"']), { kind: 'invalid-argument', message: /invalid JSON/ });
  assert.throws(() => applyChanges({}, ['EXPOSE http']), { kind: 'invalid-argument', message: /invalid port/ });
  assert.throws(() => applyChanges({}, ['nonsense']), { kind: 'invalid-argument' });
  assert.throws(() => applyChanges({}, ['ENV =x garbage']), { kind: 'invalid-argument' });
});
