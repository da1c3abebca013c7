export interface CompactionPolicyOptions {
  /** Always keep at least this many recent revisions (kine keeps 1,000). */
  keepRevisions: number;
  /** Always keep at least this much recent history (the API server compacts what is
   * older than 5 minutes). 0 keeps none by age. */
  keepMs: number;
}

export const defaultCompactionPolicy: CompactionPolicyOptions = { keepRevisions: 1000, keepMs: 5 * 60_000 };

/**
 * Decides, at each periodic tick, how far history can be compacted: up to the revision
 * that is both older than `keepMs` and more than `keepRevisions` behind the current one,
 * so a watcher or paginated list is never cut off by either a burst or a quiet spell.
 * Pure: the caller supplies the clock and the revisions.
 */
export class CompactionPolicy {
  private samples: { at: number; revision: number }[] = [];

  constructor(private readonly options: CompactionPolicyOptions = defaultCompactionPolicy) {}

  /** Records `currentRevision` as seen at `now`; returns the revision to compact to, if any. */
  next(now: number, currentRevision: number, compactRevision: number): number | undefined {
    this.samples.push({ at: now, revision: currentRevision });
    const cutoff = now - this.options.keepMs;
    while (this.samples.length > 1 && (this.samples[1]?.at ?? Infinity) <= cutoff) this.samples.shift();
    const oldest = this.samples[0];
    if (!oldest || oldest.at > cutoff) return undefined;
    const target = Math.min(oldest.revision, currentRevision - this.options.keepRevisions);
    return target > compactRevision ? target : undefined;
  }
}
