import { invalidArgument } from '../../lib/index.js';
import type { HealthcheckConfig, HealthState } from './types.js';

/** What running a probe command in the container gave. */
export interface ProbeResult {
  exitCode: number;
  output: string;
}

/** Runs `cmd` in the container; should stop the process when `signal` aborts (the timeout). */
export type ProbeExec = (cmd: string[], signal: AbortSignal) => Promise<ProbeResult>;

/** Docker's defaults, used for every unset (or zero) field. */
export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 } as const;
/** Docker keeps this many probe results in State.Health.Log… */
export const HEALTH_LOG_ENTRIES = 5;
/** …and this many bytes of each probe's output. */
export const HEALTH_OUTPUT_BYTES = 4096;

/**
 * The command a HEALTHCHECK test runs: `['CMD', …args]` as is, `['CMD-SHELL', 'cmd']`
 * through `/bin/sh -c`; null for `['NONE']` or an empty test (no check).
 */
export function healthCommand(test: readonly string[] | undefined): string[] | null {
  if (test === undefined || test.length === 0) return null;
  const [kind, ...rest] = test;
  switch (kind) {
    case 'NONE':
      return null;
    case 'CMD':
      if (rest.length === 0) throw invalidArgument('healthcheck CMD needs a command');
      return rest;
    case 'CMD-SHELL':
      if (rest.length === 0) throw invalidArgument('healthcheck CMD-SHELL needs a command');
      return ['/bin/sh', '-c', rest.join(' ')];
    default:
      throw invalidArgument(`unknown healthcheck test type ${JSON.stringify(kind)} (want NONE, CMD or CMD-SHELL)`);
  }
}

export interface HealthMonitorOptions {
  config: HealthcheckConfig;
  exec: ProbeExec;
  /** When the container started: the start period counts from here. Default: now. */
  startedAt?: Date;
  /** The state to carry on from (a monitor picked up again by a new engine); default starting. */
  initial?: HealthState;
  /** Called on every change of status (starting → healthy, healthy → unhealthy…). */
  onStatus?: (status: HealthState['status'], state: HealthState) => void;
  /** Called after every probe, with the state it left. */
  onProbe?: (state: HealthState) => void;
}

/**
 * Runs a container's health check as Docker does: the first probe one interval after
 * start(), the next one interval after each probe ends; a probe that outlives the timeout
 * is aborted and counts as a failure (exit code -1). Exit code 0 makes the container
 * healthy and resets the failing streak; any other result adds to the streak, except
 * while the container is still `starting` inside its start period, and `retries`
 * consecutive failures make it unhealthy. The last five results are kept.
 */
export class HealthMonitor {
  private readonly command: string[];
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly startPeriodMs: number;
  private readonly retries: number;
  private readonly startedAt: number;
  private health: HealthState = { status: 'starting', failingStreak: 0, log: [] };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;
  private running = false;

  constructor(private readonly options: HealthMonitorOptions) {
    const command = healthCommand(options.config.test);
    if (command === null) throw invalidArgument('the healthcheck is disabled (NONE); nothing to monitor');
    this.command = command;
    const c = options.config;
    this.intervalMs = positive(c.intervalMs) ?? HEALTH_DEFAULTS.intervalMs;
    this.timeoutMs = positive(c.timeoutMs) ?? HEALTH_DEFAULTS.timeoutMs;
    this.startPeriodMs = positive(c.startPeriodMs) ?? HEALTH_DEFAULTS.startPeriodMs;
    this.retries = positive(c.retries) ?? HEALTH_DEFAULTS.retries;
    this.startedAt = (options.startedAt ?? new Date()).getTime();
    if (options.initial !== undefined) {
      const { status, failingStreak, log } = options.initial;
      this.health = { status, failingStreak, log: log.slice(-HEALTH_LOG_ENTRIES).map((entry) => ({ ...entry })) };
    }
  }

  /** A copy of the current state (Docker's State.Health). */
  get state(): HealthState {
    return { ...this.health, log: this.health.log.map((entry) => ({ ...entry })) };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops probing and aborts a probe in flight; the state stays as it was. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probe()
        .catch(() => undefined)
        .then(() => this.schedule());
    }, this.intervalMs);
  }

  private async probe(): Promise<void> {
    const start = new Date();
    const controller = new AbortController();
    this.inFlight = controller;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<ProbeResult>((resolve) => {
      timeout = setTimeout(() => {
        controller.abort();
        resolve({ exitCode: -1, output: `Health check exceeded timeout (${goDuration(this.timeoutMs)})` });
      }, this.timeoutMs);
    });
    const ran = this.options.exec(this.command, controller.signal).catch(
      (err: unknown): ProbeResult => ({ exitCode: -1, output: err instanceof Error ? err.message : String(err) }),
    );
    const result = await Promise.race([ran, timedOut]);
    clearTimeout(timeout);
    this.inFlight = undefined;
    // stop() during the probe: the container is going away; record nothing.
    if (!this.running) return;
    this.record(start, result);
  }

  private record(start: Date, result: ProbeResult): void {
    const before = this.health.status;
    const log = [...this.health.log, { start, end: new Date(), exitCode: result.exitCode, output: truncate(result.output) }];
    let { status, failingStreak } = this.health;
    if (result.exitCode === 0) {
      status = 'healthy';
      failingStreak = 0;
    } else {
      const inStartPeriod = status === 'starting' && start.getTime() - this.startedAt < this.startPeriodMs;
      if (!inStartPeriod) {
        failingStreak++;
        if (failingStreak >= this.retries) status = 'unhealthy';
      }
    }
    this.health = { status, failingStreak, log: log.slice(-HEALTH_LOG_ENTRIES) };
    this.options.onProbe?.(this.state);
    if (status !== before) this.options.onStatus?.(status, this.state);
  }
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

/** Docker keeps the first 4 KiB of a probe's output and marks the cut. */
function truncate(output: string): string {
  const bytes = Buffer.from(output);
  if (bytes.length <= HEALTH_OUTPUT_BYTES) return output;
  return `${bytes.subarray(0, HEALTH_OUTPUT_BYTES).toString()}...`;
}

/** A duration the way Go prints one (`30s`, `1.5s`, `500ms`, `1m30s`), as Docker's messages do. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = Number((totalSeconds - minutes * 60).toFixed(3));
  if (minutes === 0) return `${seconds}s`;
  const hours = Math.floor(minutes / 60);
  const m = minutes % 60;
  return hours > 0 ? `${hours}h${m}m${seconds}s` : `${m}m${seconds}s`;
}
