/**
 * The HTTP load client of bench/network.ts: `connections` loops, each sending GETs one after
 * another, a new connection per request. Run as a forked child it serves load requests over
 * IPC, so that the measuring process is a separate one, the same for every case, and does
 * nothing else (no daemon to watch, no spawnSync, no garbage from setting up).
 */
import http from 'node:http';

export const PAGE = 'x'.repeat(512) + '\n';

export interface LoadRequest {
  host: string;
  port: number;
  ms: number;
  connections: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  latenciesMs: number[];
  elapsedMs: number;
}

/** One GET of the page on a fresh connection; resolves with its latency in ms. */
export function one(host: string, port: number): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/index.html', agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 && bytes === PAGE.length ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`status ${res.statusCode}, ${bytes} bytes`))));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

export async function load({ host, port, ms, connections }: LoadRequest): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, errors: 0, latenciesMs: [], elapsedMs: 0 };
  const start = Date.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) {
        try {
          result.latenciesMs.push(await one(host, port));
          result.requests++;
        } catch {
          result.errors++;
        }
      }
    }),
  );
  result.elapsedMs = Date.now() - start;
  return result;
}

const send = process.send?.bind(process);
if (send) {
  process.on('message', (request: LoadRequest) => void load(request).then((result) => send(result)));
  process.on('disconnect', () => process.exit(0));
}
