import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile, type Instruction } from '../dockerfile/index.js';
import { applyMetadata, exposedPorts, normalizeWorkdir } from './metadata-steps.js';

const instruction = (line: string): Instruction => {
  const [ins] = parseDockerfile(`FROM scratch\n${line}`).stages[0]?.instructions ?? [];
  assert.ok(ins);
  return ins;
};

test('EXPOSE ports as nat.ParsePortSpecs reads them', () => {
  assert.deepEqual(exposedPorts(['80', '53/udp', '8000-8002/tcp', '9000/SCTP']), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp', '9000/sctp']);
  assert.throws(() => exposedPorts(['http']), /invalid containerPort: http/);
  assert.throws(() => exposedPorts(['90-80']), /invalid port range/);
});

test('WORKDIR is relative to the current one', () => {
  assert.equal(normalizeWorkdir(undefined, 'app'), '/app');
  assert.equal(normalizeWorkdir('/a', 'b/../c'), '/a/c');
  assert.equal(normalizeWorkdir('/a', '/x/'), '/x/');
});

test('the SHELL in force prefixes shell forms and history texts', () => {
  const shell = applyMetadata({}, instruction('SHELL ["/bin/bash", "-eu", "-c"]'), false);
  assert.equal(shell?.createdBy, '/bin/bash -eu -c #(nop)  SHELL [/bin/bash -eu -c]');
  const cmd = applyMetadata(shell?.config ?? {}, instruction('CMD echo "$HOME"'), false);
  assert.deepEqual(cmd?.config.Cmd, ['/bin/bash', '-eu', '-c', 'echo "$HOME"']);
  assert.equal(cmd?.createdBy, '/bin/bash -eu -c #(nop)  CMD ["/bin/bash" "-eu" "-c" "echo \\"$HOME\\""]');
});

test('HEALTHCHECK NONE, ENV replacing a variable in place, ENTRYPOINT keeping a CMD of the stage', () => {
  const none = applyMetadata({ Healthcheck: { Test: ['CMD', 'x'] } }, instruction('HEALTHCHECK NONE'), false);
  assert.deepEqual(none?.config.Healthcheck, { Test: ['NONE'] });
  assert.equal(none?.createdBy, '/bin/sh -c #(nop)  HEALTHCHECK &{Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}');
  const env = applyMetadata({ Env: ['PATH=/bin', 'A=1'] }, instruction('ENV PATH=/usr/bin'), false);
  assert.deepEqual(env?.config.Env, ['PATH=/usr/bin', 'A=1']);
  const kept = applyMetadata({ Cmd: ['x'] }, instruction('ENTRYPOINT ["e"]'), true);
  assert.deepEqual(kept?.config.Cmd, ['x']);
  const reset = applyMetadata({ Cmd: ['x'] }, instruction('ENTRYPOINT ["e"]'), false);
  assert.equal(reset?.config.Cmd, undefined);
  assert.equal(applyMetadata({}, instruction('RUN true'), false), undefined);
});
