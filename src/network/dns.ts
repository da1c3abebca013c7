import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';

/**
 * The embedded DNS server of one user-defined network (listening on its gateway, as
 * podman's aardvark-dns does): names of the network's containers (name, aliases,
 * hostname, short ID) answer with their addresses; every other name is forwarded to the
 * upstream resolvers, except on internal networks.
 */
export interface DnsOptions {
  address: string;
  port?: number;
  /** Addresses for a name on this network (already lower-cased, no trailing dot). */
  lookup(name: string): string[];
  /** Where a client's other names go: `host:port` or `host` (port 53); none means no forwarding. */
  upstreams(client: string): readonly string[];
  forwardTimeoutMs?: number;
}

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const FLAGS = packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE;
/** Short, as Docker's embedded server: containers come and go. */
const TTL = 600;

/** The answer for a query, or undefined when it must be forwarded (pure, for tests). */
export function answerLocally(query: packet.DecodedPacket, lookup: (name: string) => string[]): Buffer | undefined {
  const question = query.questions?.[0];
  if (question === undefined) return reply(query, RCODE_SERVFAIL, []);
  const name = question.name.toLowerCase().replace(/\.$/, '');
  const addresses = lookup(name);
  if (addresses.length === 0) return undefined;
  if (question.type !== 'A') return reply(query, 0, []); // the name exists, with IPv4 only
  return reply(
    query,
    0,
    addresses.map((a) => ({ type: 'A' as const, name: question.name, ttl: TTL, class: 'IN' as const, data: a })),
  );
}

function reply(query: packet.DecodedPacket, rcode: number, answers: packet.Answer[]): Buffer {
  return packet.encode({
    type: 'response',
    id: query.id ?? 0,
    flags: FLAGS | packet.AUTHORITATIVE_ANSWER | rcode,
    questions: query.questions ?? [],
    answers,
  });
}

function parseUpstream(text: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  return m ? { host: m[1] ?? '', port: Number(m[2]) } : { host: text, port: 53 };
}

/**
 * UDP, and TCP on the same port for the clients that retry there after a truncated
 * answer (TCP queries are forwarded over TCP, so that large answers come through whole).
 */
export class DnsServer {
  private readonly connections = new Set<net.Socket>();

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly tcp: net.Server,
    private readonly o: DnsOptions,
  ) {}

  static async start(o: DnsOptions): Promise<DnsServer> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: o.address, port: o.port ?? 53, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const tcp = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: o.address, port: socket.address().port, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      socket.close();
      throw err;
    }
    const server = new DnsServer(socket, tcp, o);
    socket.on('message', (msg, from) => void server.answer(msg, 'udp', from.address).then((a) => a && socket.send(a, from.port, from.address, () => undefined)));
    socket.on('error', () => undefined);
    tcp.on('connection', (conn) => server.serveTcp(conn));
    tcp.on('error', () => undefined);
    return server;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The answer to a query, or undefined for anything that is not one. */
  private async answer(msg: Buffer, transport: 'udp' | 'tcp', client: string): Promise<Buffer | undefined> {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return undefined; // not DNS: nothing to answer
    }
    if (query.type !== 'query') return undefined;
    const local = answerLocally(query, this.o.lookup);
    if (local !== undefined) return local;
    const upstreams = this.o.upstreams(client);
    return (await this.forward(msg, transport, upstreams)) ?? reply(query, upstreams.length === 0 ? RCODE_NXDOMAIN : RCODE_SERVFAIL, []);
  }

  /** Length-prefixed messages, answered in order, until the client closes. */
  private serveTcp(conn: net.Socket): void {
    this.connections.add(conn);
    conn.setTimeout(10_000, () => conn.destroy());
    conn.on('close', () => this.connections.delete(conn));
    conn.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let chain = Promise.resolve();
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        chain = chain.then(async () => {
          const a = await this.answer(Buffer.from(msg), 'tcp', conn.remoteAddress ?? '');
          if (a === undefined) return void conn.destroy();
          const length = Buffer.alloc(2);
          length.writeUInt16BE(a.length);
          conn.write(Buffer.concat([length, a]));
        });
      }
    });
  }

  /** The first upstream's answer, tried in order; undefined when none answered. */
  private async forward(msg: Buffer, transport: 'udp' | 'tcp', upstreams: readonly string[]): Promise<Buffer | undefined> {
    for (const upstream of upstreams) {
      const { host, port } = parseUpstream(upstream);
      const timeout = this.o.forwardTimeoutMs ?? 2000;
      const answer = transport === 'udp' ? await exchange(msg, host, port, timeout) : await exchangeTcp(msg, host, port, timeout);
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

function exchangeTcp(msg: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const conn = net.connect({ host, port });
    let buffered = Buffer.alloc(0);
    const done = (value: Buffer | undefined): void => {
      conn.destroy();
      resolve(value);
    };
    conn.setTimeout(timeoutMs, () => done(undefined));
    conn.on('error', () => done(undefined));
    conn.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(msg.length);
      conn.write(Buffer.concat([length, msg]));
    });
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) done(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
    });
    conn.on('end', () => done(undefined));
  });
}

function exchange(msg: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (value: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (answer) => {
      if (answer.length >= 2 && answer.readUInt16BE(0) === msg.readUInt16BE(0)) done(answer);
    });
    socket.send(msg, port, host);
  });
}
