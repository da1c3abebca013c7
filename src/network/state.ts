import fs from 'node:fs';
import path from 'node:path';
import type { EndpointRecord, NetworkRecord } from './types.js';

/**
 * What must survive the daemon: the networks and the endpoints with their addresses and
 * published ports. One JSON file, replaced atomically on every change.
 */
export interface NetworkState {
  networks: NetworkRecord[];
  endpoints: EndpointRecord[];
  /** Whether this daemon's iptables chains may exist (absent: unknown, look). */
  firewall?: boolean;
}

type Stored = Omit<NetworkRecord, 'created'> & { created: string };

export class StateFile {
  private readonly file: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'networks.json');
  }

  load(): NetworkState {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return { networks: [], endpoints: [] };
    }
    const raw = JSON.parse(text) as { networks: Stored[]; endpoints: EndpointRecord[]; firewall?: boolean };
    return {
      networks: raw.networks.map((n) => ({ ...n, created: new Date(n.created) })),
      endpoints: raw.endpoints,
      ...(raw.firewall === undefined ? {} : { firewall: raw.firewall }),
    };
  }

  save(state: NetworkState): void {
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(state));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}
