import { invalidArgument } from '../../lib/index.js';
import { openEtcdStore } from './etcd.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/**
 * Opens the store a `--datastore` value names: `etcd://host:port[,host:port…]` (plain
 * http; `etcds://` for TLS is not supported yet) or `sqlite://PATH` (a bare path is SQLite
 * too).
 */
export async function openStore(datastore: string): Promise<Store> {
  const etcd = /^etcd:\/\/(.+)$/.exec(datastore);
  if (etcd) {
    const endpoints = (etcd[1] ?? '').split(',').filter((h) => h !== '').map((h) => `http://${h}`);
    if (endpoints.length === 0) throw invalidArgument(`datastore ${datastore}: no etcd endpoints`);
    return openEtcdStore({ endpoints });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(datastore) && !datastore.startsWith('sqlite://')) {
    throw invalidArgument(`datastore ${datastore}: expected etcd://host:port or sqlite://path`);
  }
  const path = datastore.replace(/^sqlite:\/\//, '');
  if (path === '') throw invalidArgument('datastore: empty SQLite path');
  return openSqliteStore({ path });
}
