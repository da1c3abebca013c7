import { alreadyExists, invalidArgument, notFound } from '../lib/index.js';
import { type Digest, parseDigest } from '../oci/index.js';
import { type Labels, checkLabels, matchesLabels, parseLabels } from './labels.js';
import type { Metadata } from './metadata.js';
import { type Guard, noGuard } from './rwlock.js';

/** The descriptor an image name points at (a manifest or an index). */
export interface ImageTarget {
  mediaType: string;
  digest: Digest;
  size: number;
}

export interface Image {
  /** e.g. `docker.io/library/busybox:latest`, or a bare digest reference. */
  name: string;
  target: ImageTarget;
  createdAt: Date;
  updatedAt: Date;
  labels: Labels;
}

export interface ImageFilter {
  namePrefix?: string;
  targetDigest?: Digest;
  /** Every label given must be present with that value. */
  labels?: Labels;
}

export interface ImageStoreOptions {
  /** Wraps mutations that add references, so they never interleave with a GC's mark and sweep. */
  guard?: Guard;
  /** Called after every committed change (the composite rewrites index.json). */
  onChange?: () => Promise<void>;
  now?: () => number;
}

const migrations = [
  `CREATE TABLE images (
     name TEXT PRIMARY KEY,
     target_digest TEXT NOT NULL,
     target_media_type TEXT NOT NULL,
     target_size INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     labels TEXT NOT NULL DEFAULT '{}'
   ) STRICT;
   CREATE INDEX images_by_target ON images (target_digest);`,
];

interface Row {
  name: string;
  target_digest: string;
  target_media_type: string;
  target_size: number;
  created_at: number;
  updated_at: number;
  labels: string;
}

/** Image names and the descriptors they point at; an image keeps its whole graph from GC. */
export class ImageStore {
  private readonly guard: Guard;
  private readonly onChange: () => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly metadata: Metadata,
    options: ImageStoreOptions = {},
  ) {
    metadata.migrate('images', migrations);
    this.guard = options.guard ?? noGuard;
    this.onChange = options.onChange ?? (async () => undefined);
    this.now = options.now ?? Date.now;
  }

  get(name: string): Image {
    const row = this.metadata.db.prepare<[string], Row>('SELECT * FROM images WHERE name = ?').get(name);
    if (!row) throw notFound(`image ${name} not found`);
    return fromRow(row);
  }

  list(filter: ImageFilter = {}): Image[] {
    const rows = this.metadata.db.prepare<[], Row>('SELECT * FROM images ORDER BY name').all();
    return rows
      .map(fromRow)
      .filter(
        (image) =>
          (filter.namePrefix === undefined || image.name.startsWith(filter.namePrefix)) &&
          (filter.targetDigest === undefined || image.target.digest === filter.targetDigest) &&
          matchesLabels(image.labels, filter.labels),
      );
  }

  /** Names pointing at `digest`. */
  namesFor(digest: Digest): string[] {
    return this.metadata.db
      .prepare<[string], { name: string }>('SELECT name FROM images WHERE target_digest = ? ORDER BY name')
      .all(digest)
      .map((row) => row.name);
  }

  /** Creates an image; already-exists if the name is taken. */
  async create(name: string, target: ImageTarget, labels?: Labels): Promise<Image> {
    const image = await this.guard(() => {
      checkName(name);
      const checked = checkTarget(target);
      const now = this.now();
      const result = this.metadata.db
        .prepare(
          `INSERT INTO images (name, target_digest, target_media_type, target_size, created_at, updated_at, labels)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
        )
        .run(name, checked.digest, checked.mediaType, checked.size, now, now, JSON.stringify(checkLabels(labels)));
      if (result.changes === 0) throw alreadyExists(`image ${name} already exists`);
      return this.get(name);
    });
    await this.onChange();
    return image;
  }

  /** Creates the image or points it at a new target; labels are replaced only when given. */
  async upsert(name: string, target: ImageTarget, labels?: Labels): Promise<Image> {
    const image = await this.guard(() => {
      checkName(name);
      const checked = checkTarget(target);
      const now = this.now();
      const labelsJson = labels === undefined ? null : JSON.stringify(checkLabels(labels));
      this.metadata.db
        .prepare(
          `INSERT INTO images (name, target_digest, target_media_type, target_size, created_at, updated_at, labels)
           VALUES (?, ?, ?, ?, ?, ?, coalesce(?, '{}'))
           ON CONFLICT (name) DO UPDATE SET
             target_digest = excluded.target_digest, target_media_type = excluded.target_media_type,
             target_size = excluded.target_size, updated_at = excluded.updated_at,
             labels = coalesce(?, images.labels)`,
        )
        .run(name, checked.digest, checked.mediaType, checked.size, now, now, labelsJson, labelsJson);
      return this.get(name);
    });
    await this.onChange();
    return image;
  }

  /** Deletes an image; not-found if there is none. Its blobs go at the next GC. */
  async delete(name: string): Promise<void> {
    const result = this.metadata.db.prepare('DELETE FROM images WHERE name = ?').run(name);
    if (result.changes === 0) throw notFound(`image ${name} not found`);
    await this.onChange();
  }
}

function checkName(name: string): void {
  if (name === '' || /[\s\p{Cc}]/u.test(name)) throw invalidArgument(`invalid image name ${JSON.stringify(name)}`);
}

function checkTarget(target: ImageTarget): ImageTarget {
  const { digest } = parseDigest(target.digest);
  if (typeof target.mediaType !== 'string' || target.mediaType === '') {
    throw invalidArgument(`image target ${digest} needs a media type`);
  }
  if (!Number.isSafeInteger(target.size) || target.size < 0) {
    throw invalidArgument(`image target ${digest} has invalid size ${target.size}`);
  }
  return { mediaType: target.mediaType, digest, size: target.size };
}

function fromRow(row: Row): Image {
  return {
    name: row.name,
    target: { mediaType: row.target_media_type, digest: parseDigest(row.target_digest).digest, size: row.target_size },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    labels: parseLabels(row.labels),
  };
}
