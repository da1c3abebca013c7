import { HealthMonitor, healthCommand, type ProbeExec } from './health.js';
import type { HealthcheckConfig, HealthState } from './types.js';

export interface HealthChecksContext {
  /** Runs a probe command in the container (see ContainerExecs.probe). */
  probe(id: string): ProbeExec;
  /** After every probe: the state to keep (the service persists it in the container's state). */
  save(id: string, health: HealthState): void;
  /** On every change of status (Docker's `health_status: healthy|unhealthy` event). */
  statusChanged(id: string, status: HealthState['status']): void;
}

/**
 * One HealthMonitor per running container that has a healthcheck: started when the
 * container starts (or is picked up again by a new engine), stopped when it exits, is
 * removed or the engine closes. The state persists through `save`; a new monitor carries
 * on from the state it is given.
 */
export class HealthChecks {
  private readonly monitors = new Map<string, HealthMonitor>();

  constructor(private readonly ctx: HealthChecksContext) {}

  /** The state a start begins with: `starting`, no failing streak, the earlier log kept. */
  static initial(config: HealthcheckConfig | undefined, previous: HealthState | undefined): HealthState | undefined {
    if (config === undefined || healthCommand(config.test) === null) return undefined;
    return { status: 'starting', failingStreak: 0, log: previous?.log ?? [] };
  }

  /** Starts monitoring (replacing a monitor of the same container); nothing without a check. */
  start(id: string, config: HealthcheckConfig | undefined, startedAt: Date | undefined, initial: HealthState | undefined): void {
    this.stop(id);
    if (config === undefined || healthCommand(config.test) === null) return;
    const monitor = new HealthMonitor({
      config,
      exec: this.ctx.probe(id),
      ...(startedAt === undefined ? {} : { startedAt }),
      ...(initial === undefined ? {} : { initial }),
      onProbe: (state) => {
        if (this.monitors.get(id) === monitor) this.ctx.save(id, state);
      },
      onStatus: (status) => {
        if (this.monitors.get(id) === monitor) this.ctx.statusChanged(id, status);
      },
    });
    this.monitors.set(id, monitor);
    monitor.start();
  }

  /** The live state of a monitored container. */
  current(id: string): HealthState | undefined {
    return this.monitors.get(id)?.state;
  }

  stop(id: string): void {
    const monitor = this.monitors.get(id);
    if (monitor === undefined) return;
    this.monitors.delete(id);
    monitor.stop();
  }

  stopAll(): void {
    for (const id of [...this.monitors.keys()]) this.stop(id);
  }
}
