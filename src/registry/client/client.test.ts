import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorKind } from '../../lib/index.js';
import { RegistryClient, registryEndpointHost, schemesFor } from './client.js';
import { startFakeRegistry } from './fake-registry.js';
import { readBody } from './transport.js';

const none = (): undefined => undefined;

test('schemes: loopback is plain HTTP, insecure tries HTTPS first, others HTTPS only', () => {
  assert.deepEqual(schemesFor('127.0.0.1:5000'), ['http']);
  assert.deepEqual(schemesFor('localhost:5000'), ['http']);
  assert.deepEqual(schemesFor('[::1]:5000'), ['http']);
  assert.deepEqual(schemesFor('reg.lan:5000', ['reg.lan:5000']), ['https', 'http']);
  assert.deepEqual(schemesFor('reg.lan:5000'), ['https']);
  assert.equal(registryEndpointHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryEndpointHost('quay.io'), 'quay.io');
});

test('Bearer: fetches a token from the realm with service, scope and basic credentials, then caches it', async (t) => {
  const fake = await startFakeRegistry({ bearer: { username: 'alice', password: 's3cret' } });
  t.after(() => fake.close());
  fake.manifests.set('a/b:1', { bytes: Buffer.from('{}'), mediaType: 'application/json' });
  const client = new RegistryClient(fake.host, { lookup: () => ({ username: 'alice', password: 's3cret' }) });
  const scope = 'repository:a/b:pull';
  for (let i = 0; i < 3; i++) {
    const res = await client.expect({ method: 'GET', path: '/v2/a/b/manifests/1', scope }, [200]);
    assert.equal((await readBody(res)).toString(), '{}');
  }
  assert.equal(fake.tokenRequests.length, 1, 'the token is cached per scope');
  const [request] = fake.tokenRequests;
  assert.equal(request?.query.get('service'), 'fake');
  assert.deepEqual(request?.query.getAll('scope'), [scope]);
  assert.equal(request?.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  // one 401, then three authorised requests
  assert.equal(fake.log.length, 4);
});

test('Bearer: wrong credentials at the token service are an unauthorized error', async (t) => {
  const fake = await startFakeRegistry({ bearer: { username: 'alice', password: 's3cret' } });
  t.after(() => fake.close());
  const client = new RegistryClient(fake.host, { credentials: { username: 'alice', password: 'nope' } });
  await assert.rejects(client.ping(), (err: Error) => errorKind(err) === 'failed-precondition' && /unauthorized/.test(err.message));
});

test('Bearer: an expired token is fetched again', async (t) => {
  const fake = await startFakeRegistry({ bearer: { expiresIn: 1 } });
  t.after(() => fake.close());
  const client = new RegistryClient(fake.host, { lookup: none });
  await client.ping();
  await client.ping();
  assert.equal(fake.tokenRequests.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 600));
  await client.ping();
  assert.equal(fake.tokenRequests.length, 2, 'a 1 s token is renewed after half its life');
  assert.equal(fake.tokenRequests[0]?.authorization, undefined, 'anonymous without credentials');
});

test('Basic: sends credentials on challenge; refuses clearly without any', async (t) => {
  const fake = await startFakeRegistry({ basic: { username: 'u', password: 'p' } });
  t.after(() => fake.close());
  await new RegistryClient(fake.host, { credentials: { username: 'u', password: 'p' } }).ping();
  await assert.rejects(new RegistryClient(fake.host, { lookup: none }).ping(), (err: Error) => errorKind(err) === 'failed-precondition');
  await assert.rejects(
    new RegistryClient(fake.host, { credentials: { username: 'u', password: 'x' } }).ping(),
    (err: Error) => errorKind(err) === 'failed-precondition',
  );
});

test('a registry that is not there is unavailable', async () => {
  const fake = await startFakeRegistry();
  await fake.close();
  await assert.rejects(new RegistryClient(fake.host, { lookup: none }).ping(), (err: Error) => errorKind(err) === 'unavailable');
});

test('an insecure registry is tried over HTTPS first, then plain HTTP; others are not', async (t) => {
  // 127.0.0.2 is loopback on Linux but not one of the names that skip HTTPS.
  const fake = await startFakeRegistry({ address: '127.0.0.2' });
  t.after(() => fake.close());
  await new RegistryClient(fake.host, { lookup: none, insecureRegistries: [fake.host] }).ping();
  await assert.rejects(new RegistryClient(fake.host, { lookup: none }).ping(), (err: Error) => errorKind(err) === 'unavailable');
});
