import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { ContentStore } from '../../src/content/index.js';
import type { TransferEvent } from '../../src/engine/index.js';
import { errorKind } from '../../src/lib/index.js';
import { digestOf, ociConfig, ociIndex, ociLayerGzip, ociManifest, type Descriptor } from '../../src/oci/index.js';
import { pullImage, pushImage, RegistryClient } from '../../src/registry/index.js';
import { BlobSources } from '../../src/registry/client/sources.js';
import { tempRoot } from '../helpers/berth.js';
import { startCuttingProxy, type CuttingProxy } from '../helpers/proxy.js';
import { distributionSkipReason, startDistribution, startRegistry } from '../helpers/registry.js';

const describeBlob = (mediaType: string, bytes: Buffer): Descriptor => ({ mediaType, digest: digestOf(bytes), size: bytes.length });

interface TestImage {
  layers: Buffer[];
  config: Buffer;
  manifest: Buffer;
  descriptor: Descriptor;
}

/** An image as blobs: layers need not be real tarballs for a registry. */
function makeImage(arch: string, layers: Buffer[]): TestImage {
  const config = Buffer.from(
    JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => digestOf(l)) }, config: {} }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: describeBlob(ociConfig, config),
      layers: layers.map((l) => describeBlob(ociLayerGzip, l)),
    }),
  );
  return { layers, config, manifest, descriptor: describeBlob(ociManifest, manifest) };
}

async function store(content: ContentStore, image: TestImage): Promise<void> {
  for (const blob of [...image.layers, image.config, image.manifest]) await content.write(blob);
}

const none = (): undefined => undefined;
const phases = (events: TransferEvent[], phase: string): TransferEvent[] => events.filter((e) => e.kind === 'blob' && e.phase === phase);

/** Push features against one server: berth's registry, then distribution's. */
function pushSuite(name: string, skip: string | false, resumes: boolean, startServer: (dir: string) => Promise<{ addr: string; stop(): Promise<void> }>): void {
  describe(`client push against ${name}`, { skip }, () => {
    const t = tempRoot('berth-push-it-');
    let server: { addr: string; stop(): Promise<void> } | undefined;
    let proxy: CuttingProxy | undefined;
    let content: ContentStore;
    let addr = '';

    before(async () => {
      server = await startServer(path.join(t.dir, 'server'));
      addr = server.addr;
      content = await ContentStore.open(path.join(t.dir, 'client'));
    });
    after(async () => {
      await proxy?.close();
      await content.close();
      await server?.stop();
      t.cleanup();
    });

    const client = (host = addr): RegistryClient => new RegistryClient(host, { lookup: none });

    async function pullBack(reference: string, platform?: string): Promise<ContentStore> {
      const target = await ContentStore.open(path.join(t.dir, `pull-${Math.random().toString(36).slice(2)}`));
      await target.leases.withLease((lease) =>
        pullImage(client(), reference, { content: target, lease: lease.id }, platform ? { platform } : {}, () => undefined),
      );
      return target;
    }

    test('a blob another repository of the registry holds is mounted, not sent again', async () => {
      const image = makeImage('amd64', [randomBytes(200_000), randomBytes(100_000)]);
      await store(content, image);
      await pushImage(client(), `${addr}/team/a:1`, content, image.descriptor, () => undefined);
      const events: TransferEvent[] = [];
      await pushImage(client(), `${addr}/team/b:1`, content, image.descriptor, (e) => events.push(e));
      const mounted = phases(events, 'mounted');
      assert.equal(mounted.length, 3, JSON.stringify(events));
      assert.ok(mounted.every((e) => e.kind === 'blob' && e.from === 'team/a'));
      assert.equal(phases(events, 'pushed').length, 0);
      const pulled = await pullBack(`${addr}/team/b:1`);
      for (const blob of [...image.layers, image.config]) assert.deepEqual(await pulled.blobs.readBytes(digestOf(blob)), blob);
      await pulled.close();
    });

    test('a mount the registry cannot make falls back to an upload, and the source is forgotten', async () => {
      const image = makeImage('amd64', [randomBytes(50_000)]);
      await store(content, image);
      const layer = digestOf(image.layers[0] as Buffer);
      const sources = new BlobSources(content.metadata);
      sources.record(addr, 'team/nowhere', [layer]);
      const events: TransferEvent[] = [];
      await pushImage(client(), `${addr}/team/c:1`, content, image.descriptor, (e) => events.push(e));
      assert.equal(phases(events, 'mounted').length, 0);
      assert.equal(phases(events, 'pushed').length, 2);
      assert.deepEqual(sources.candidates(addr, layer, 'team/other'), ['team/c']);
      const pulled = await pullBack(`${addr}/team/c:1`);
      assert.deepEqual(await pulled.blobs.readBytes(layer), image.layers[0]);
      await pulled.close();
    });

    test('a large blob goes up in chunks and resumes where the registry says after a broken connection', async () => {
      proxy = await startCuttingProxy(addr);
      const big = randomBytes(5 * 1024 * 1024 + 12345);
      const image = makeImage('amd64', [big]);
      await store(content, image);
      // Cut inside the second chunk's body.
      proxy.cutAfter(1024 * 1024 + 300_000);
      const before = proxy.forwarded;
      const events: TransferEvent[] = [];
      await pushImage(client(proxy.addr), `${proxy.addr}/team/big:1`, content, image.descriptor, (e) => events.push(e), {
        upload: { chunkThreshold: 1024 * 1024, chunkBytes: 1024 * 1024 },
      });
      assert.equal(proxy.cuts, 1, 'the proxy broke one upload connection');
      assert.equal(phases(events, 'pushed').length, 2);
      // Resumed: no more than the blob and the broken chunk went over the wire. (distribution
      // refuses a session whose chunk broke off part-way, so there the blob starts afresh.)
      if (resumes) assert.ok(proxy.forwarded - before < big.length + 1024 * 1024 + 100_000, `${proxy.forwarded - before} bytes sent`);
      const pulled = await pullBack(`${addr}/team/big:1`);
      assert.deepEqual(await pulled.blobs.readBytes(digestOf(big), { maxBytes: big.length }), big);
      await pulled.close();
    });

    test('an image index goes up with its manifests; each platform pulls back', async () => {
      const shared = randomBytes(80_000);
      const amd = makeImage('amd64', [shared, randomBytes(30_000)]);
      const arm = makeImage('arm64', [shared, randomBytes(30_000)]);
      for (const image of [amd, arm]) await store(content, image);
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociIndex,
          manifests: [
            { ...amd.descriptor, platform: { os: 'linux', architecture: 'amd64' } },
            { ...arm.descriptor, platform: { os: 'linux', architecture: 'arm64' } },
          ],
        }),
      );
      await content.write(index);
      const events: TransferEvent[] = [];
      await pushImage(client(), `${addr}/team/multi:1`, content, describeBlob(ociIndex, index), (e) => events.push(e));
      assert.deepEqual(events.at(-1), { kind: 'done', digest: digestOf(index), size: index.length, reference: `${addr}/team/multi:1` });
      // The shared layer is sent once.
      assert.equal(events.filter((e) => e.kind === 'blob' && e.phase === 'waiting' && e.digest === digestOf(shared)).length, 1);
      const res = await fetch(`http://${addr}/v2/team/multi/manifests/1`, { headers: { Accept: ociIndex } });
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), index);
      for (const [platform, image] of [['linux/amd64', amd], ['linux/arm64', arm]] as const) {
        const pulled = await pullBack(`${addr}/team/multi:1`, platform);
        assert.deepEqual(await pulled.blobs.readBytes(image.descriptor.digest), image.manifest);
        for (const layer of image.layers) assert.deepEqual(await pulled.blobs.readBytes(digestOf(layer)), layer);
        await pulled.close();
      }
    });

    test('an index with one manifest in the store pushes that manifest; with several missing it is refused', async () => {
      const have = makeImage('amd64', [randomBytes(20_000)]);
      await store(content, have);
      const missing = [makeImage('arm64', [randomBytes(100)]), makeImage('s390x', [randomBytes(100)])];
      const entries = [have, ...missing].map((image, i) => ({
        ...image.descriptor,
        platform: { os: 'linux', architecture: ['amd64', 'arm64', 's390x'][i] as string },
      }));
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: entries }));
      await content.write(index);
      await pushImage(client(), `${addr}/team/partial:1`, content, describeBlob(ociIndex, index), () => undefined);
      const res = await fetch(`http://${addr}/v2/team/partial/manifests/1`, { headers: { Accept: `${ociIndex}, ${ociManifest}` } });
      assert.equal(res.headers.get('docker-content-digest'), have.descriptor.digest);

      const arm = missing[0] as TestImage;
      await store(content, arm);
      await assert.rejects(
        pushImage(client(), `${addr}/team/partial:2`, content, describeBlob(ociIndex, index), () => undefined),
        (err: Error) => errorKind(err) === 'failed-precondition' && err.message.includes((missing[1] as TestImage).descriptor.digest) && /s390x/.test(err.message),
      );
    });
  });
}

pushSuite('berth registry', false, true, (dir) => startRegistry(dir));
pushSuite('distribution (Debian docker-registry)', distributionSkipReason, false, (dir) => startDistribution(dir));

describe('client push: a mount under Bearer token auth asks for pull on the source too', () => {
  const t = tempRoot('berth-push-token-it-');
  let server: { addr: string; stop(): Promise<void> } | undefined;
  let content: ContentStore;

  before(async () => {
    const htpasswd = path.join(t.dir, 'htpasswd');
    fs.writeFileSync(htpasswd, `alice:${bcrypt.hashSync('alice-pw', 5)}\n`);
    server = await startRegistry(path.join(t.dir, 'server'), ['--auth', 'token', '--auth-users', htpasswd]);
    content = await ContentStore.open(path.join(t.dir, 'client'));
  });
  after(async () => {
    await content.close();
    await server?.stop();
    t.cleanup();
  });

  test('the blobs of one repository are mounted into another', async () => {
    const addr = server?.addr ?? '';
    const client = (): RegistryClient => new RegistryClient(addr, { credentials: { username: 'alice', password: 'alice-pw' } });
    const image = makeImage('amd64', [randomBytes(40_000)]);
    await store(content, image);
    await pushImage(client(), `${addr}/alice/a:1`, content, image.descriptor, () => undefined);
    const events: TransferEvent[] = [];
    await pushImage(client(), `${addr}/alice/b:1`, content, image.descriptor, (e) => events.push(e));
    assert.equal(phases(events, 'mounted').length, 2, JSON.stringify(events));
  });
});
