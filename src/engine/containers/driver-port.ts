import type { Readable, Writable } from 'node:stream';

/**
 * What the container service needs of the runtime driver (src/runtime's RuntimeDriver
 * satisfies it structurally): conmon + runc keyed by container ID, state under the run dir.
 */
export interface DriverPort {
  create(
    id: string,
    bundleDir: string,
    options: { terminal: boolean; stdin: boolean; logPath: string; logMaxSize?: number; leaveStdinOpen?: boolean; name?: string },
  ): Promise<number>;
  start(id: string): Promise<void>;
  state(id: string): Promise<{ status: 'created' | 'running' | 'paused' | 'stopped'; pid: number; exitCode?: number }>;
  kill(id: string, signal?: string | number, all?: boolean): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  delete(id: string, force?: boolean): Promise<void>;
  wait(id: string, signal?: AbortSignal): Promise<number>;
  attach(id: string): Promise<{ stdin: Writable; output: Readable; detach(): void; closed: Promise<void> }>;
  resize(id: string, width: number, height: number): Promise<void>;
  /** The runtime executable (a wrapper script when one is needed) and its `--root`. */
  runtimeCli(): { path: string; root: string };
}

/** One line of a k8s-file log, as the runtime's reader yields it. */
export interface LogEntryPort {
  time: Date;
  stream: 'stdout' | 'stderr';
  line: string;
  partial: boolean;
}

export interface LogReadOptionsPort {
  since?: Date;
  until?: Date;
  tail?: number;
  streams?: Array<'stdout' | 'stderr'>;
  follow?: boolean;
  signal?: AbortSignal;
  stopWhen?: Promise<unknown>;
}

export type LogReaderPort = (path: string, options: LogReadOptionsPort) => AsyncIterable<LogEntryPort>;
