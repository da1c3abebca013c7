import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import * as packet from 'dns-packet';
import { DnsServer } from './dns.js';

function ask(port: number, name: string, type: 'A' | 'AAAA' = 'A'): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer'));
    }, 5000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(packet.decode(msg));
    });
    socket.send(packet.encode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
  });
}

/** A fake upstream on loopback that answers every A query with 192.0.2.99. */
async function fakeUpstream(): Promise<{ port: number; queries: string[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, from) => {
    const q = packet.decode(msg);
    const question = q.questions?.[0];
    queries.push(question?.name ?? '');
    const answers: packet.Answer[] = question ? [{ type: 'A', name: question.name, ttl: 5, data: '192.0.2.99' }] : [];
    socket.send(packet.encode({ type: 'response', id: q.id ?? 0, flags: packet.RECURSION_AVAILABLE, questions: q.questions ?? [], answers }), from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, queries, close: () => socket.close() };
}

/** The response code (low four bits of the flags) and the A records' addresses. */
const rcode = (p: packet.DecodedPacket): number => (p.flags ?? 0) & 0xf;
const addresses = (p: packet.DecodedPacket): string[] => (p.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));

const names: Record<string, string[]> = { web: ['10.77.0.2'], 'web-alias': ['10.77.0.2'], db: ['10.77.0.3'] };

test('DNS: container names and aliases answer locally, case-insensitively; other names go upstream', async (t) => {
  const upstream = await fakeUpstream();
  t.after(() => upstream.close());
  const server = await DnsServer.start({ address: '127.0.0.1', port: 0, lookup: (n) => names[n] ?? [], upstreams: () => [`127.0.0.1:${upstream.port}`] });
  t.after(() => server.close());

  const web = await ask(server.port, 'WEB');
  assert.equal(web.id, 4242);
  assert.equal(rcode(web), 0);
  assert.deepEqual(addresses(web), ['10.77.0.2']);
  assert.deepEqual(addresses(await ask(server.port, 'web-alias.')), ['10.77.0.2']);
  const aaaa = await ask(server.port, 'db', 'AAAA');
  assert.equal(rcode(aaaa), 0);
  assert.deepEqual(aaaa.answers, []);
  assert.deepEqual(upstream.queries, []);

  const outside = await ask(server.port, 'example.test');
  assert.deepEqual(addresses(outside), ['192.0.2.99']);
  assert.deepEqual(upstream.queries, ['example.test']);
});

test('DNS: each client\'s names go to its own upstreams (a container\'s --dns)', async (t) => {
  const upstream = await fakeUpstream();
  t.after(() => upstream.close());
  const seen: string[] = [];
  const server = await DnsServer.start({
    address: '127.0.0.1',
    port: 0,
    lookup: () => [],
    upstreams: (client) => {
      seen.push(client);
      return client === '127.0.0.1' ? [`127.0.0.1:${upstream.port}`] : [];
    },
  });
  t.after(() => server.close());
  assert.deepEqual(addresses(await ask(server.port, 'example.test')), ['192.0.2.99']);
  assert.deepEqual(seen, ['127.0.0.1']);
});

test('DNS: without upstreams (internal network) unknown names are NXDOMAIN; a dead upstream gives SERVFAIL', async (t) => {
  const internal = await DnsServer.start({ address: '127.0.0.1', port: 0, lookup: (n) => names[n] ?? [], upstreams: () => [] });
  t.after(() => internal.close());
  assert.equal(rcode(await ask(internal.port, 'example.test')), 3);
  assert.deepEqual(addresses(await ask(internal.port, 'db')), ['10.77.0.3']);

  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  t.after(() => silent.close());
  const forwarding = await DnsServer.start({
    address: '127.0.0.1',
    port: 0,
    lookup: () => [],
    upstreams: () => [`127.0.0.1:${silent.address().port}`],
    forwardTimeoutMs: 200,
  });
  t.after(() => forwarding.close());
  assert.equal(rcode(await ask(forwarding.port, 'example.test')), 2);
});

test('DNS over TCP: length-prefixed queries answered in order on the same port', async (t) => {
  const server = await DnsServer.start({ address: '127.0.0.1', port: 0, lookup: (n) => names[n] ?? [], upstreams: () => [] });
  t.after(() => server.close());
  const { default: net } = await import('node:net');
  const conn = net.connect({ host: '127.0.0.1', port: server.port });
  t.after(() => conn.destroy());
  const framed = (name: string, id: number): Buffer => {
    const q = packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
    const length = Buffer.alloc(2);
    length.writeUInt16BE(q.length);
    return Buffer.concat([length, q]);
  };
  const answers: packet.DecodedPacket[] = [];
  await new Promise<void>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    conn.on('error', reject);
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        answers.push(packet.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        if (answers.length === 2) resolve();
      }
    });
    // both queries in one write: the server must split them
    conn.write(Buffer.concat([framed('web', 1), framed('nosuch', 2)]));
  });
  assert.deepEqual(answers.map((a) => [a.id, rcode(a), addresses(a)]), [
    [1, 0, ['10.77.0.2']],
    [2, 3, []],
  ]);
});
