import Database from 'better-sqlite3';
import { conflict } from '../lib/index.js';

/**
 * Takes an exclusive, non-blocking lock on `path` across processes: an SQLite
 * `BEGIN EXCLUSIVE` on a file of its own. The lock is a POSIX record lock, so the kernel
 * drops it when the holder dies — no stale lock file to detect or take over. Throws
 * conflict while another holder (another process, or another store in this one) has it.
 * Returns release.
 */
export function acquireFileLock(path: string): () => void {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if (err instanceof Error && 'code' in err && err.code === 'SQLITE_BUSY') {
      throw conflict(`${path} is held: another garbage collection is running`, err);
    }
    throw err;
  }
  return () => {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  };
}
