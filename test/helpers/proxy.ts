import net from 'node:net';

/** A loopback TCP proxy that can break one connection in the middle of a request body. */
export interface CuttingProxy {
  /** `127.0.0.1:PORT` to give clients instead of the target. */
  addr: string;
  /** Breaks the first connection to carry more than `bytes` upstream from now on (both sides closed at once). */
  cutAfter(bytes: number): void;
  /** How many connections were broken so far. */
  readonly cuts: number;
  /** Bytes passed on from clients to the target so far. */
  readonly forwarded: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const [host = '127.0.0.1', port = '0'] = target.split(':');
  let armed: number | undefined;
  let generation = 0;
  let cuts = 0;
  let forwarded = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    sockets.add(client).add(upstream);
    // Bytes since the cut was armed: a kept-alive connection starts counting afresh.
    let sent = 0;
    let seen = generation;
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (seen !== generation) {
        seen = generation;
        sent = 0;
      }
      sent += chunk.length;
      if (armed !== undefined && sent > armed) {
        // Pass on what came before the cut point, so the server holds part of the body.
        const keep = Math.max(0, chunk.length - (sent - armed));
        armed = undefined;
        cuts++;
        client.pause();
        forwarded += keep;
        upstream.write(chunk.subarray(0, keep), () => setTimeout(end, 50));
        return;
      }
      forwarded += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    addr: `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    cutAfter(bytes) {
      armed = bytes;
      generation++;
    },
    get cuts() {
      return cuts;
    },
    get forwarded() {
      return forwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
