export type {
  Compactor,
  DeleteResult,
  KeyValue,
  ListOptions,
  ListResult,
  Reader,
  Store,
  Watch,
  WatchEvent,
  WatchEventType,
  Watcher,
  WatchOptions,
  Writer,
} from './types.js';
export { CompactionPolicy, defaultCompactionPolicy, type CompactionPolicyOptions } from './compaction-policy.js';
export { EtcdStore, openEtcdStore, type EtcdStoreOptions } from './etcd.js';
export { openStore } from './open.js';
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite.js';
