import dgram from 'node:dgram';
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
  /** `host:port` or `host` (port 53); none means no forwarding. */
  upstreams: readonly string[];
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

export class DnsServer {
  private constructor(
    private readonly socket: dgram.Socket,
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
    const server = new DnsServer(socket, o);
    socket.on('message', (msg, from) => void server.handle(msg, from));
    socket.on('error', () => undefined);
    return server;
  }

  get port(): number {
    return this.socket.address().port;
  }

  private async handle(msg: Buffer, from: dgram.RemoteInfo): Promise<void> {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return; // not DNS: nothing to answer
    }
    if (query.type !== 'query') return;
    let answer = answerLocally(query, this.o.lookup);
    if (answer === undefined) {
      answer = (await this.forward(msg)) ?? reply(query, this.o.upstreams.length === 0 ? RCODE_NXDOMAIN : RCODE_SERVFAIL, []);
    }
    this.socket.send(answer, from.port, from.address, () => undefined);
  }

  /** The first upstream's answer, tried in order; undefined when none answered. */
  private async forward(msg: Buffer): Promise<Buffer | undefined> {
    for (const upstream of this.o.upstreams) {
      const { host, port } = parseUpstream(upstream);
      const answer = await exchange(msg, host, port, this.o.forwardTimeoutMs ?? 2000);
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
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
