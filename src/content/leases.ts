import { randomUUID } from 'node:crypto';
import { alreadyExists, failedPrecondition, invalidArgument, isNotFound, notFound } from '../lib/index.js';
import { type Digest, parseDigest } from '../oci/index.js';
import { type Labels, checkLabels, parseLabels } from './labels.js';
import type { Metadata } from './metadata.js';
import { type Guard, noGuard } from './rwlock.js';

/** While a lease lives, every blob recorded in it survives GC (written yet or not). */
export interface Lease {
  id: string;
  createdAt: Date;
  /** null: lives until deleted. */
  expiresAt: Date | null;
  labels: Labels;
}

export interface LeaseOptions {
  id?: string;
  /** Expire after this long; GC then deletes the lease. A crashed holder's leases end this way. */
  ttlMs?: number;
  labels?: Labels;
}

export interface LeaseManagerOptions {
  /** Wraps addResource, so a reference is never added while a GC marks and sweeps. */
  guard?: Guard;
  now?: () => number;
}

const migrations = [
  `CREATE TABLE leases (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     labels TEXT NOT NULL DEFAULT '{}'
   ) STRICT;
   CREATE TABLE lease_resources (
     lease_id TEXT NOT NULL REFERENCES leases (id) ON DELETE CASCADE,
     digest TEXT NOT NULL,
     PRIMARY KEY (lease_id, digest)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX lease_resources_by_digest ON lease_resources (digest);`,
];

interface Row {
  id: string;
  created_at: number;
  expires_at: number | null;
  labels: string;
}

export class LeaseManager {
  private readonly guard: Guard;
  private readonly now: () => number;

  constructor(
    private readonly metadata: Metadata,
    options: LeaseManagerOptions = {},
  ) {
    metadata.migrate('leases', migrations);
    this.guard = options.guard ?? noGuard;
    this.now = options.now ?? Date.now;
  }

  create(options: LeaseOptions = {}): Lease {
    const id = options.id ?? randomUUID();
    if (id === '') throw invalidArgument('lease id must not be empty');
    const { ttlMs } = options;
    if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) throw invalidArgument(`invalid lease ttl ${ttlMs}`);
    const now = this.now();
    // Leases need not survive a crash (see Metadata.relaxed): their writes do not wait for the disk.
    const result = this.metadata.relaxed(() =>
      this.metadata.db
        .prepare('INSERT INTO leases (id, created_at, expires_at, labels) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
        .run(id, now, ttlMs === undefined ? null : Math.ceil(now + ttlMs), JSON.stringify(checkLabels(options.labels))),
    );
    if (result.changes === 0) throw alreadyExists(`lease ${id} already exists`);
    return this.get(id);
  }

  get(id: string): Lease {
    const row = this.metadata.db.prepare<[string], Row>('SELECT * FROM leases WHERE id = ?').get(id);
    if (!row) throw notFound(`lease ${id} not found`);
    return fromRow(row);
  }

  list(): Lease[] {
    return this.metadata.db.prepare<[], Row>('SELECT * FROM leases ORDER BY created_at, id').all().map(fromRow);
  }

  /** Ends a lease; what only it held goes at the next GC. */
  delete(id: string): void {
    const result = this.metadata.relaxed(() => this.metadata.db.prepare('DELETE FROM leases WHERE id = ?').run(id));
    if (result.changes === 0) throw notFound(`lease ${id} not found`);
  }

  /**
   * Records `digest` in the lease. Waits for a running GC, so once this resolves no GC
   * removes the blob while the lease lives. Refuses an expired lease.
   */
  async addResource(id: string, digest: Digest): Promise<void> {
    const { digest: checked } = parseDigest(digest);
    await this.guard(() => {
      const lease = this.get(id);
      if (lease.expiresAt !== null && lease.expiresAt.getTime() <= this.now()) {
        throw failedPrecondition(`lease ${id} expired at ${lease.expiresAt.toISOString()}`);
      }
      this.metadata.relaxed(() =>
        this.metadata.db.prepare('INSERT INTO lease_resources (lease_id, digest) VALUES (?, ?) ON CONFLICT DO NOTHING').run(id, checked),
      );
    });
  }

  removeResource(id: string, digest: Digest): void {
    this.get(id);
    this.metadata.relaxed(() => this.metadata.db.prepare('DELETE FROM lease_resources WHERE lease_id = ? AND digest = ?').run(id, digest));
  }

  resources(id: string): Digest[] {
    this.get(id);
    return this.metadata.db
      .prepare<[string], { digest: string }>('SELECT digest FROM lease_resources WHERE lease_id = ? ORDER BY digest')
      .all(id)
      .map((row) => parseDigest(row.digest).digest);
  }

  /** Runs `fn` holding a fresh lease, deleted when `fn` settles. */
  async withLease<T>(fn: (lease: Lease) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    const lease = this.create(options);
    try {
      return await fn(lease);
    } finally {
      this.release(lease.id);
    }
  }

  private release(id: string): void {
    try {
      this.delete(id);
    } catch (err) {
      if (!isNotFound(err)) throw err; // GC already removed it (expired)
    }
  }

  /** Deletes leases expired at `now`; returns their ids. Used by GC. */
  expire(now = this.now()): string[] {
    return this.metadata.db
      .prepare<[number], { id: string }>('DELETE FROM leases WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING id')
      .all(now)
      .map((row) => row.id);
  }

  /** Every digest held by a lease alive at `now`: GC roots. */
  referenced(now = this.now()): Digest[] {
    return this.metadata.db
      .prepare<[number], { digest: string }>(
        `SELECT DISTINCT r.digest FROM lease_resources r JOIN leases l ON l.id = r.lease_id
         WHERE l.expires_at IS NULL OR l.expires_at > ?`,
      )
      .all(now)
      .map((row) => parseDigest(row.digest).digest);
  }
}

function fromRow(row: Row): Lease {
  return {
    id: row.id,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    labels: parseLabels(row.labels),
  };
}
