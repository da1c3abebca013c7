import dgram from 'node:dgram';
import net from 'node:net';
import { conflict, invalidArgument } from '../lib/index.js';
import type { PortBinding } from './types.js';

/**
 * Host ports for published container ports. A requested port must not be published
 * already (by this daemon) nor be bound by a host process; port 0 takes a port the
 * kernel reports free at that moment, as Docker's allocator does from the ephemeral range.
 */
export async function resolveHostPorts(wanted: readonly PortBinding[], inUse: readonly PortBinding[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const p of wanted) {
    checkBinding(p);
    const taken = [...inUse, ...out];
    if (p.hostPort !== 0) {
      if (taken.some((q) => clashes(q, p))) throw conflict(`Bind for ${hostLabel(p.hostIp)}:${p.hostPort} failed: port is already allocated`);
      await probe(p.protocol, p.hostIp, p.hostPort);
      out.push(p);
      continue;
    }
    let port = 0;
    for (let attempt = 0; attempt < 20 && port === 0; attempt++) {
      const candidate = await probe(p.protocol, p.hostIp, 0);
      if (!taken.some((q) => clashes(q, { ...p, hostPort: candidate }))) port = candidate;
    }
    if (port === 0) throw conflict(`no free host port for ${p.containerPort}/${p.protocol}`);
    out.push({ ...p, hostPort: port });
  }
  return out;
}

function checkBinding(p: PortBinding): void {
  if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) throw invalidArgument(`invalid container port ${p.containerPort}`);
  if (!Number.isInteger(p.hostPort) || p.hostPort < 0 || p.hostPort > 65535) throw invalidArgument(`invalid host port ${p.hostPort}`);
  if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw invalidArgument(`invalid protocol ${String(p.protocol)}: only tcp and udp can be published`);
  if (p.hostIp !== '' && net.isIPv4(p.hostIp) === false) throw invalidArgument(`invalid host IP ${JSON.stringify(p.hostIp)}: only IPv4 addresses can be published`);
}

const hostLabel = (ip: string): string => (ip === '' ? '0.0.0.0' : ip);

const anyAddress = (ip: string): boolean => ip === '' || ip === '0.0.0.0';

function clashes(a: PortBinding, b: PortBinding): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (anyAddress(a.hostIp) || anyAddress(b.hostIp) || a.hostIp === b.hostIp);
}

/** Binds and closes a socket on the port; resolves with the port bound, rejects naming why not. */
function probe(protocol: 'tcp' | 'udp', hostIp: string, port: number): Promise<number> {
  const address = anyAddress(hostIp) ? '0.0.0.0' : hostIp;
  const fail = (err: NodeJS.ErrnoException): Error =>
    err.code === 'EADDRINUSE'
      ? conflict(`Bind for ${address}:${port} failed: port is already allocated`)
      : invalidArgument(`cannot publish on ${address}:${port}/${protocol}: ${err.code ?? err.message}`);
  if (protocol === 'udp') {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', (err) => {
        socket.close();
        reject(fail(err));
      });
      socket.bind(port, address, () => {
        const bound = socket.address().port;
        socket.close(() => resolve(bound));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => reject(fail(err)));
    server.listen({ port, host: address, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}
