import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { digestOf, ociManifest, ociConfig, ociLayerGzip, ociEmpty } from '../oci/index.js';
import { startRegistryServer, type RunningRegistry } from './server.js';

async function serve(t: TestContext): Promise<{ base: string; running: RunningRegistry; root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  const running = await startRegistryServer({ root, addr: '127.0.0.1:0' });
  t.after(async () => {
    await running.close();
    await rm(root, { recursive: true, force: true });
  });
  return { base: `http://${running.address}`, running, root };
}

interface ErrorBody {
  errors: Array<{ code: string; message: string; detail?: unknown }>;
}

async function errorCode(res: Response): Promise<string | undefined> {
  return ((await res.json()) as ErrorBody).errors[0]?.code;
}

async function pushBlob(base: string, repo: string, data: Buffer | string): Promise<string> {
  const digest = digestOf(data);
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data });
  assert.equal(res.status, 201, await res.text());
  return digest;
}

function manifestFor(config: string, layers: Array<{ digest: string; size: number }>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: ociManifest,
    config: { mediaType: ociConfig, digest: digestOf(config), size: Buffer.byteLength(config) },
    layers: layers.map((l) => ({ mediaType: ociLayerGzip, ...l })),
    ...extra,
  });
}

async function pushImage(base: string, repo: string, tag: string, marker = 'layer'): Promise<{ digest: string; size: number }> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, marker });
  const layer = Buffer.from(`layer bytes ${marker}`);
  await pushBlob(base, repo, config);
  const layerDigest = await pushBlob(base, repo, layer);
  const body = manifestFor(config, [{ digest: layerDigest, size: layer.length }]);
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body, headers: { 'Content-Type': ociManifest } });
  assert.equal(res.status, 201, await res.text());
  assert.equal(res.headers.get('docker-content-digest'), digestOf(body));
  return { digest: digestOf(body), size: Buffer.byteLength(body) };
}

describe('registry HTTP API', () => {
  test('GET /v2/ answers {} with the API version header', async (t) => {
    const { base } = await serve(t);
    const res = await fetch(`${base}/v2/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(await res.json(), {});
  });

  test('monolithic push, HEAD and GET, and a ranged GET answers 206', async (t) => {
    const { base } = await serve(t);
    const data = Buffer.from('0123456789abcdef');
    const digest = await pushBlob(base, 'a/b', data);
    const head = await fetch(`${base}/v2/a/b/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '16');
    assert.equal(head.headers.get('docker-content-digest'), digest);
    assert.equal(head.headers.get('accept-ranges'), 'bytes');
    const get = await fetch(`${base}/v2/a/b/blobs/${digest}`);
    assert.equal(Buffer.from(await get.arrayBuffer()).toString(), data.toString());
    const ranged = await fetch(`${base}/v2/a/b/blobs/${digest}`, { headers: { Range: 'bytes=4-7' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), 'bytes 4-7/16');
    assert.equal(await ranged.text(), '4567');
    const bad = await fetch(`${base}/v2/a/b/blobs/${digest}`, { headers: { Range: 'bytes=99-' } });
    assert.equal(bad.status, 416);
    await bad.body?.cancel();
    // Not linked in another repository.
    const other = await fetch(`${base}/v2/other/blobs/${digest}`);
    assert.equal(other.status, 404);
    assert.equal(await errorCode(other), 'BLOB_UNKNOWN');
  });

  test('chunked push: 202 with Range, 416 on a bad Content-Range, status, then PUT', async (t) => {
    const { base } = await serve(t);
    const start = await fetch(`${base}/v2/chunked/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    assert.equal(start.headers.get('range'), '0-0');
    const uuid = start.headers.get('docker-upload-uuid');
    assert.ok(uuid);
    const location = start.headers.get('location') ?? '';
    assert.equal(location, `/v2/chunked/blobs/uploads/${uuid}`);
    const first = await fetch(`${base}${location}`, { method: 'PATCH', body: 'hello ', headers: { 'Content-Range': '0-5' } });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-5');
    const wrong = await fetch(`${base}${location}`, { method: 'PATCH', body: 'xx', headers: { 'Content-Range': '3-4' } });
    assert.equal(wrong.status, 416);
    assert.equal(wrong.headers.get('range'), '0-5');
    assert.equal(await errorCode(wrong), 'BLOB_UPLOAD_INVALID');
    const streamed = await fetch(`${base}${location}`, { method: 'PATCH', body: 'world' });
    assert.equal(streamed.headers.get('range'), '0-10');
    const status = await fetch(`${base}${location}`);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-10');
    const digest = digestOf('hello world!');
    const done = await fetch(`${base}${location}?digest=${digest}`, { method: 'PUT', body: '!' });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('location'), `/v2/chunked/blobs/${digest}`);
    assert.equal(done.headers.get('docker-content-digest'), digest);
    assert.equal(await (await fetch(`${base}/v2/chunked/blobs/${digest}`)).text(), 'hello world!');
    const gone = await fetch(`${base}${location}`);
    assert.equal(gone.status, 404);
    assert.equal(await errorCode(gone), 'BLOB_UPLOAD_UNKNOWN');
  });

  test('cancel ends an upload', async (t) => {
    const { base, root } = await serve(t);
    const location = (await fetch(`${base}/v2/c/blobs/uploads/`, { method: 'POST' })).headers.get('location') ?? '';
    await fetch(`${base}${location}`, { method: 'PATCH', body: 'data' });
    assert.equal((await fetch(`${base}${location}`, { method: 'DELETE' })).status, 204);
    const status = await fetch(`${base}${location}`);
    assert.equal(status.status, 404);
    assert.deepEqual(await readdir(join(root, 'uploads')), []);
  });

  test('a chunk that breaks off leaves the upload where it was', async (t) => {
    const { base, running } = await serve(t);
    const location = (await fetch(`${base}/v2/b/blobs/uploads/`, { method: 'POST' })).headers.get('location') ?? '';
    await fetch(`${base}${location}`, { method: 'PATCH', body: 'abc' });
    await new Promise<void>((resolve) => {
      const req = http.request(`${base}${location}`, { method: 'PATCH', headers: { 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      req.write('partial', () => setTimeout(() => req.destroy(), 50));
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const status = await fetch(`${base}${location}`);
    assert.equal(status.headers.get('range'), '0-2');
    const listed = await running.registry.content.blobs.list();
    assert.deepEqual(listed, []);
  });

  test('a wrong digest is refused and nothing is stored', async (t) => {
    const { base, running } = await serve(t);
    const claimed = digestOf('something else');
    const mono = await fetch(`${base}/v2/w/blobs/uploads/?digest=${claimed}`, { method: 'POST', body: 'actual' });
    assert.equal(mono.status, 400);
    assert.equal(await errorCode(mono), 'DIGEST_INVALID');
    const location = (await fetch(`${base}/v2/w/blobs/uploads/`, { method: 'POST' })).headers.get('location') ?? '';
    const put = await fetch(`${base}${location}?digest=${claimed}`, { method: 'PUT', body: 'actual' });
    assert.equal(put.status, 400);
    assert.equal(await errorCode(put), 'DIGEST_INVALID');
    assert.equal(await running.registry.content.blobs.has(digestOf('actual')), false);
    assert.equal(await running.registry.content.blobs.has(claimed), false);
    assert.equal((await fetch(`${base}/v2/w/blobs/${claimed}`, { method: 'HEAD' })).status, 404);
  });

  test('a manifest naming a missing blob is refused; tags page with Link; delete', async (t) => {
    const { base } = await serve(t);
    const config = '{"architecture":"amd64","os":"linux"}';
    await pushBlob(base, 'm', config);
    const missing = manifestFor(config, [{ digest: digestOf('nope'), size: 4 }]);
    const refused = await fetch(`${base}/v2/m/manifests/v1`, { method: 'PUT', body: missing, headers: { 'Content-Type': ociManifest } });
    assert.equal(refused.status, 400);
    assert.equal(await errorCode(refused), 'MANIFEST_BLOB_UNKNOWN');
    const invalid = await fetch(`${base}/v2/m/manifests/v1`, { method: 'PUT', body: '{"schemaVersion":2}', headers: { 'Content-Type': ociManifest } });
    assert.equal(await errorCode(invalid), 'MANIFEST_INVALID');
    const badTag = await fetch(`${base}/v2/m/manifests/-bad`, { method: 'PUT', body: missing });
    assert.equal(await errorCode(badTag), 'TAG_INVALID');

    const pushed = await pushImage(base, 'm', 'c');
    for (const tag of ['a', 'b', 'd']) {
      const body = await (await fetch(`${base}/v2/m/manifests/c`)).text();
      assert.equal((await fetch(`${base}/v2/m/manifests/${tag}`, { method: 'PUT', body, headers: { 'Content-Type': ociManifest } })).status, 201);
    }
    const page1 = await fetch(`${base}/v2/m/tags/list?n=2`);
    assert.deepEqual(await page1.json(), { name: 'm', tags: ['a', 'b'] });
    assert.equal(page1.headers.get('link'), '</v2/m/tags/list?n=2&last=b>; rel="next"');
    const page2 = await fetch(`${base}/v2/m/tags/list?n=2&last=b`);
    assert.deepEqual(await page2.json(), { name: 'm', tags: ['c', 'd'] });
    assert.equal(page2.headers.get('link'), null);

    const get = await fetch(`${base}/v2/m/manifests/${pushed.digest}`);
    assert.equal(get.headers.get('content-type'), ociManifest);
    assert.equal(get.headers.get('docker-content-digest'), pushed.digest);
    assert.equal(digestOf(Buffer.from(await get.arrayBuffer())), pushed.digest);

    assert.equal((await fetch(`${base}/v2/m/manifests/a`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${base}/v2/m/manifests/a`)).status, 404);
    assert.equal((await fetch(`${base}/v2/m/manifests/${pushed.digest}`, { method: 'DELETE' })).status, 202);
    const gone = await fetch(`${base}/v2/m/manifests/b`, { method: 'HEAD' });
    assert.equal(gone.status, 404);
    assert.deepEqual(await (await fetch(`${base}/v2/m/tags/list`)).json(), { name: 'm', tags: [] });
    assert.equal(await errorCode(await fetch(`${base}/v2/nothere/tags/list`)), 'NAME_UNKNOWN');
  });

  test('catalog pages lexically', async (t) => {
    const { base } = await serve(t);
    for (const repo of ['z/one', 'a/two', 'm']) await pushBlob(base, repo, repo);
    const first = await fetch(`${base}/v2/_catalog?n=2`);
    assert.deepEqual(await first.json(), { repositories: ['a/two', 'm'] });
    assert.equal(first.headers.get('link'), '</v2/_catalog?n=2&last=m>; rel="next"');
    assert.deepEqual(await (await fetch(`${base}/v2/_catalog?n=2&last=m`)).json(), { repositories: ['z/one'] });
    assert.deepEqual(await (await fetch(`${base}/v2/_catalog`)).json(), { repositories: ['a/two', 'm', 'z/one'] });
  });

  test('cross-repository mount links a blob; an unknown source starts an upload', async (t) => {
    const { base } = await serve(t);
    const digest = await pushBlob(base, 'src/repo', 'shared');
    const mounted = await fetch(`${base}/v2/dst/blobs/uploads/?mount=${digest}&from=src/repo`, { method: 'POST' });
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('location'), `/v2/dst/blobs/${digest}`);
    assert.equal(await (await fetch(`${base}/v2/dst/blobs/${digest}`)).text(), 'shared');
    const fallback = await fetch(`${base}/v2/dst2/blobs/uploads/?mount=${digest}&from=elsewhere`, { method: 'POST' });
    assert.equal(fallback.status, 202);
    assert.ok(fallback.headers.get('docker-upload-uuid'));
  });

  test('referrers list manifests with a subject, filtered by artifactType', async (t) => {
    const { base } = await serve(t);
    const subject = await pushImage(base, 'r', 'v1');
    await pushBlob(base, 'r', '{}');
    const emptyDescriptor = { mediaType: ociEmpty, digest: digestOf('{}'), size: 2 };
    const pushArtifact = async (artifactType: string): Promise<Response> => {
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: ociManifest,
        artifactType,
        config: emptyDescriptor,
        layers: [emptyDescriptor],
        subject: { mediaType: ociManifest, ...subject },
        annotations: { kind: artifactType },
      });
      return fetch(`${base}/v2/r/manifests/${digestOf(body)}`, { method: 'PUT', body, headers: { 'Content-Type': ociManifest } });
    };
    const sig = await pushArtifact('application/vnd.example.sig');
    assert.equal(sig.status, 201);
    assert.equal(sig.headers.get('oci-subject'), subject.digest);
    await pushArtifact('application/vnd.example.sbom');
    const all = await fetch(`${base}/v2/r/referrers/${subject.digest}`);
    assert.equal(all.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    const index = (await all.json()) as { manifests: Array<{ artifactType: string; annotations: Record<string, string> }> };
    assert.equal(index.manifests.length, 2);
    const filtered = await fetch(`${base}/v2/r/referrers/${subject.digest}?artifactType=application/vnd.example.sbom`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    const only = (await filtered.json()) as typeof index;
    assert.deepEqual(only.manifests.map((m) => m.artifactType), ['application/vnd.example.sbom']);
    assert.equal(only.manifests[0]?.annotations['kind'], 'application/vnd.example.sbom');
    const none = await fetch(`${base}/v2/r/referrers/${digestOf('x')}`);
    assert.deepEqual(((await none.json()) as typeof index).manifests, []);
  });

  test('invalid names and digests answer in the errors shape', async (t) => {
    const { base } = await serve(t);
    const res = await fetch(`${base}/v2/Bad_Name/tags/list`);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.errors[0]?.code, 'NAME_INVALID');
    assert.equal(typeof body.errors[0]?.message, 'string');
    assert.equal(await errorCode(await fetch(`${base}/v2/a//b/blobs/uploads/`, { method: 'POST' })), 'NAME_INVALID');
    assert.equal(await errorCode(await fetch(`${base}/v2/ok/blobs/sha256:zz`)), 'DIGEST_INVALID');
    const unsupported = await fetch(`${base}/v2/ok/tags/list`, { method: 'DELETE' });
    assert.equal(unsupported.status, 405);
    assert.equal(await errorCode(unsupported), 'UNSUPPORTED');
  });

  test('bad chunks: a malformed Content-Range or one whose length differs is 416, and the upload stays put', async (t) => {
    const { base } = await serve(t);
    const location = (await fetch(`${base}/v2/bad/blobs/uploads/`, { method: 'POST' })).headers.get('location') ?? '';
    assert.equal((await fetch(`${base}${location}`, { method: 'PATCH', body: 'abc', headers: { 'Content-Range': '0-2' } })).status, 202);
    for (const range of ['abc', '5-2', '-3', '3-']) {
      const res = await fetch(`${base}${location}`, { method: 'PATCH', body: 'def', headers: { 'Content-Range': range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get('range'), '0-2', range);
      assert.equal(await errorCode(res), 'BLOB_UPLOAD_INVALID', range);
    }
    const short = await fetch(`${base}${location}`, { method: 'PATCH', body: 'de', headers: { 'Content-Range': '3-5' } });
    assert.equal(short.status, 416);
    assert.match(((await short.json()) as ErrorBody).errors[0]?.message ?? '', /announced 3 bytes, the chunk had 2/);
    const status = await fetch(`${base}${location}`);
    assert.equal(status.headers.get('range'), '0-2', 'the refused chunks left nothing behind');
    const done = await fetch(`${base}${location}?digest=${digestOf('abcdef')}`, { method: 'PUT', body: 'def' });
    assert.equal(done.status, 201);
  });

  test('cancel: a cancelled upload takes no more chunks and cannot finish; an unknown one is 404', async (t) => {
    const { base, root, running } = await serve(t);
    const location = (await fetch(`${base}/v2/cx/blobs/uploads/`, { method: 'POST' })).headers.get('location') ?? '';
    await fetch(`${base}${location}`, { method: 'PATCH', body: 'some bytes' });
    assert.equal((await fetch(`${base}${location}`, { method: 'DELETE' })).status, 204);
    const patch = await fetch(`${base}${location}`, { method: 'PATCH', body: 'more' });
    assert.equal(patch.status, 404);
    assert.equal(await errorCode(patch), 'BLOB_UPLOAD_UNKNOWN');
    const finish = await fetch(`${base}${location}?digest=${digestOf('some bytes')}`, { method: 'PUT' });
    assert.equal(finish.status, 404);
    assert.equal(await errorCode(finish), 'BLOB_UPLOAD_UNKNOWN');
    const again = await fetch(`${base}${location}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal(await errorCode(again), 'BLOB_UPLOAD_UNKNOWN');
    const foreign = await fetch(`${base}/v2/other/blobs/uploads/${location.split('/').pop() ?? ''}`, { method: 'DELETE' });
    assert.equal(foreign.status, 404, 'an upload is known only in its repository');
    assert.deepEqual(await readdir(join(root, 'uploads')), []);
    assert.deepEqual(await running.registry.content.blobs.list(), []);
  });

  test('a chunked upload finished with the wrong digest is refused, stores nothing and ends the session', async (t) => {
    const { base, root, running } = await serve(t);
    const location = (await fetch(`${base}/v2/dm/blobs/uploads/`, { method: 'POST' })).headers.get('location') ?? '';
    assert.equal((await fetch(`${base}${location}`, { method: 'PATCH', body: 'first ', headers: { 'Content-Range': '0-5' } })).status, 202);
    assert.equal((await fetch(`${base}${location}`, { method: 'PATCH', body: 'second', headers: { 'Content-Range': '6-11' } })).status, 202);
    const claimed = digestOf('first second!');
    const res = await fetch(`${base}${location}?digest=${claimed}`, { method: 'PUT', body: '?' });
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'DIGEST_INVALID');
    for (const digest of [claimed, digestOf('first second?')]) {
      assert.equal(await running.registry.content.blobs.has(digest), false);
      assert.equal((await fetch(`${base}/v2/dm/blobs/${digest}`, { method: 'HEAD' })).status, 404);
    }
    assert.equal((await fetch(`${base}${location}`)).status, 404, 'the session is gone');
    assert.deepEqual(await readdir(join(root, 'uploads')), []);
    const malformed = await fetch(`${base}/v2/dm/blobs/uploads/?digest=sha256:nothex`, { method: 'POST', body: 'x' });
    assert.equal(malformed.status, 400);
    assert.equal(await errorCode(malformed), 'DIGEST_INVALID');
  });

  test('an image index naming a manifest the repository lacks is refused; with it, accepted', async (t) => {
    const { base } = await serve(t);
    const present = await pushImage(base, 'ix', 'amd');
    const elsewhere = await pushImage(base, 'other', 'arm', 'arm layer');
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: ociManifest, ...present, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: ociManifest, ...elsewhere, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    });
    const headers = { 'Content-Type': 'application/vnd.oci.image.index.v1+json' };
    const refused = await fetch(`${base}/v2/ix/manifests/multi`, { method: 'PUT', body: index, headers });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as ErrorBody;
    assert.equal(body.errors[0]?.code, 'MANIFEST_BLOB_UNKNOWN');
    assert.match(body.errors[0]?.message ?? '', new RegExp(`manifest ${elsewhere.digest} is not in repository ix`));
    assert.equal((await fetch(`${base}/v2/ix/manifests/multi`)).status, 404, 'no tag was made');
    assert.equal((await fetch(`${base}/v2/ix/manifests/${digestOf(index)}`)).status, 404, 'nothing stored by digest');

    const manifest = await (await fetch(`${base}/v2/other/manifests/arm`)).text();
    for (const blob of (JSON.parse(manifest) as { config: { digest: string }; layers: Array<{ digest: string }> }).layers.concat(
      (JSON.parse(manifest) as { config: { digest: string } }).config,
    )) {
      assert.equal((await fetch(`${base}/v2/ix/blobs/uploads/?mount=${blob.digest}&from=other`, { method: 'POST' })).status, 201);
    }
    assert.equal((await fetch(`${base}/v2/ix/manifests/${elsewhere.digest}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': ociManifest } })).status, 201);
    assert.equal((await fetch(`${base}/v2/ix/manifests/multi`, { method: 'PUT', body: index, headers })).status, 201);
  });

  test('gc removes blobs no manifest reaches once their push lease has ended', async (t) => {
    const { base, running } = await serve(t);
    const image = await pushImage(base, 'g', 'v1');
    const loose = await pushBlob(base, 'g', 'loose blob');
    for (const lease of running.registry.content.leases.list()) running.registry.content.leases.delete(lease.id);
    const result = await running.registry.gc();
    assert.deepEqual(result.removedBlobs, [loose]);
    assert.equal((await fetch(`${base}/v2/g/blobs/${loose}`, { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(`${base}/v2/g/manifests/v1`)).status, 200);
    assert.equal((await fetch(`${base}/v2/g/manifests/${image.digest}`, { method: 'DELETE' })).status, 202);
    const second = await running.registry.gc();
    assert.equal(second.removedBlobs.length, 3, 'manifest, config and layer');
  });
});
