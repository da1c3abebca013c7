export interface ExitReport {
  exitCode: number;
  error?: string;
}

/**
 * One-shot notifications per container: the next exit (also a failed start or a
 * restart's exit) and its removal. Waiters register before acting, so nothing is missed.
 */
export class ExitSignals {
  private readonly exits = new Map<string, Set<(r: ExitReport) => void>>();
  private readonly removals = new Map<string, Set<(r: ExitReport) => void>>();

  nextExit(id: string): Promise<ExitReport> {
    return this.add(this.exits, id);
  }

  removed(id: string): Promise<ExitReport> {
    return this.add(this.removals, id);
  }

  exited(id: string, report: ExitReport): void {
    this.fire(this.exits, id, report);
  }

  wasRemoved(id: string, report: ExitReport): void {
    this.fire(this.exits, id, report);
    this.fire(this.removals, id, report);
  }

  private add(map: Map<string, Set<(r: ExitReport) => void>>, id: string): Promise<ExitReport> {
    return new Promise((resolve) => {
      let set = map.get(id);
      if (set === undefined) {
        set = new Set();
        map.set(id, set);
      }
      set.add(resolve);
    });
  }

  private fire(map: Map<string, Set<(r: ExitReport) => void>>, id: string, report: ExitReport): void {
    const set = map.get(id);
    map.delete(id);
    for (const resolve of set ?? []) resolve(report);
  }
}
