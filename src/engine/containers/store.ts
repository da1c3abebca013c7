import type { Metadata } from '../../content/index.js';
import { conflict, invalidArgument, notFound } from '../../lib/index.js';
import type { Digest } from '../../oci/index.js';
import type { ContainerConfig, ContainerCreateRequest, ContainerState } from './types.js';

const migrations = [
  `CREATE TABLE containers (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     image_ref TEXT NOT NULL,
     image_id TEXT NOT NULL,
     request TEXT NOT NULL,
     config TEXT NOT NULL,
     state TEXT NOT NULL,
     restart_count INTEGER NOT NULL DEFAULT 0,
     stopped_by_user INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   CREATE INDEX containers_by_image ON containers (image_id);`,
];

/** One row as the service sees it; times and JSON already decoded. */
export interface StoredContainer {
  id: string;
  name: string;
  created: Date;
  image: string;
  imageId: Digest;
  request: ContainerCreateRequest;
  config: ContainerConfig;
  state: ContainerState;
  restartCount: number;
  /** Stopped or killed by the user: no restart policy applies until the next start. */
  stoppedByUser: boolean;
}

interface Row {
  id: string;
  name: string;
  created_at: number;
  image_ref: string;
  image_id: string;
  request: string;
  config: string;
  state: string;
  restart_count: number;
  stopped_by_user: number;
}

interface StateJson extends Omit<ContainerState, 'startedAt' | 'finishedAt' | 'health'> {
  startedAt?: string;
  finishedAt?: string;
  health?: unknown;
}

function encodeState(state: ContainerState): string {
  return JSON.stringify(state);
}

function decodeState(text: string): ContainerState {
  const raw = JSON.parse(text) as StateJson;
  const state: ContainerState = {
    status: raw.status,
    pid: raw.pid,
    exitCode: raw.exitCode,
    error: raw.error,
    oomKilled: raw.oomKilled,
  };
  if (raw.startedAt !== undefined) state.startedAt = new Date(raw.startedAt);
  if (raw.finishedAt !== undefined) state.finishedAt = new Date(raw.finishedAt);
  if (raw.health !== undefined) {
    const h = raw.health as { status: 'starting' | 'healthy' | 'unhealthy'; failingStreak: number; log: Array<{ start: string; end: string; exitCode: number; output: string }> };
    state.health = {
      status: h.status,
      failingStreak: h.failingStreak,
      log: h.log.map((l) => ({ start: new Date(l.start), end: new Date(l.end), exitCode: l.exitCode, output: l.output })),
    };
  }
  return state;
}

function fromRow(row: Row): StoredContainer {
  return {
    id: row.id,
    name: row.name,
    created: new Date(row.created_at),
    image: row.image_ref,
    imageId: row.image_id as Digest,
    request: JSON.parse(row.request) as ContainerCreateRequest,
    config: JSON.parse(row.config) as ContainerConfig,
    state: decodeState(row.state),
    restartCount: row.restart_count,
    stoppedByUser: row.stopped_by_user !== 0,
  };
}

export const nameConflict = (name: string, id: string): Error =>
  conflict(
    `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );

/** The `containers` table in the engine's metadata database. */
export class ContainerStore {
  constructor(private readonly metadata: Metadata) {
    metadata.migrate('containers', migrations);
  }

  private get db(): Metadata['db'] {
    return this.metadata.db;
  }

  insert(c: StoredContainer): void {
    const taken = this.byName(c.name);
    if (taken) throw nameConflict(c.name, taken.id);
    this.db
      .prepare(
        `INSERT INTO containers (id, name, created_at, image_ref, image_id, request, config, state, restart_count, stopped_by_user)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.id,
        c.name,
        c.created.getTime(),
        c.image,
        c.imageId,
        JSON.stringify(c.request),
        JSON.stringify(c.config),
        encodeState(c.state),
        c.restartCount,
        c.stoppedByUser ? 1 : 0,
      );
  }

  get(id: string): StoredContainer {
    const row = this.db.prepare<[string], Row>('SELECT * FROM containers WHERE id = ?').get(id);
    if (!row) throw notFound(`No such container: ${id}`);
    return fromRow(row);
  }

  has(id: string): boolean {
    return this.db.prepare<[string], { id: string }>('SELECT id FROM containers WHERE id = ?').get(id) !== undefined;
  }

  byName(name: string): StoredContainer | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM containers WHERE name = ?').get(name);
    return row ? fromRow(row) : undefined;
  }

  /**
   * Docker's lookup order: a full ID, then an exact name, then a unique ID prefix.
   * An ambiguous prefix is an invalid argument, nothing matching is not-found.
   */
  find(idOrName: string): StoredContainer {
    const key = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    if (key === '') throw notFound('No such container: ');
    const exact = this.db.prepare<[string], Row>('SELECT * FROM containers WHERE id = ?').get(key);
    if (exact) return fromRow(exact);
    const named = this.byName(key);
    if (named) return named;
    if (/^[0-9a-f]+$/.test(key)) {
      const rows = this.db.prepare<[string], Row>("SELECT * FROM containers WHERE id LIKE ? || '%' LIMIT 2").all(key);
      if (rows.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${key}`);
      const [row] = rows;
      if (row) return fromRow(row);
    }
    throw notFound(`No such container: ${idOrName}`);
  }

  list(): StoredContainer[] {
    return this.db.prepare<[], Row>('SELECT * FROM containers ORDER BY created_at DESC, id').all().map(fromRow);
  }

  usingImage(imageId: Digest): StoredContainer[] {
    return this.db.prepare<[string], Row>('SELECT * FROM containers WHERE image_id = ?').all(imageId).map(fromRow);
  }

  setState(id: string, state: ContainerState): void {
    this.db.prepare('UPDATE containers SET state = ? WHERE id = ?').run(encodeState(state), id);
  }

  setRestartCount(id: string, count: number): void {
    this.db.prepare('UPDATE containers SET restart_count = ? WHERE id = ?').run(count, id);
  }

  setStoppedByUser(id: string, stopped: boolean): void {
    this.db.prepare('UPDATE containers SET stopped_by_user = ? WHERE id = ?').run(stopped ? 1 : 0, id);
  }

  rename(id: string, name: string): void {
    const taken = this.byName(name);
    if (taken && taken.id !== id) throw nameConflict(name, taken.id);
    this.db.prepare('UPDATE containers SET name = ? WHERE id = ?').run(name, id);
  }

  /** Request changes after create (networks connected or disconnected). */
  setRequest(id: string, request: ContainerCreateRequest): void {
    this.db.prepare('UPDATE containers SET request = ? WHERE id = ?').run(JSON.stringify(request), id);
  }

  /** Config changes after create (the hostname is fixed at create; kept for updates). */
  setConfig(id: string, config: ContainerConfig): void {
    this.db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(config), id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }
}
