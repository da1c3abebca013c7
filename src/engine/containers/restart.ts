import type { RestartPolicy } from './types.js';

/** Docker's restart manager: 100 ms, doubled after each quick exit, reset after a 10 s run. */
export const RESTART_BASE_DELAY_MS = 100;
export const RESTART_MAX_DELAY_MS = 60_000;
export const RESTART_RESET_AFTER_MS = 10_000;

export interface RestartInput {
  policy: RestartPolicy | undefined;
  exitCode: number;
  restartCount: number;
  stoppedByUser: boolean;
}

/** Whether the policy restarts the container after this exit. */
export function shouldRestart(i: RestartInput): boolean {
  if (i.stoppedByUser || i.policy === undefined) return false;
  switch (i.policy.name) {
    case 'no':
      return false;
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return i.exitCode !== 0 && (i.policy.maximumRetryCount <= 0 || i.restartCount < i.policy.maximumRetryCount);
  }
}

/** The delay before the next restart, given the previous one and how long the container ran. */
export function nextDelay(previousMs: number, ranMs: number): number {
  if (ranMs >= RESTART_RESET_AFTER_MS || previousMs <= 0) return RESTART_BASE_DELAY_MS;
  return Math.min(previousMs * 2, RESTART_MAX_DELAY_MS);
}

/** Policies that bring a container back after a daemon restart or reboot. */
export const restartsOnBoot = (policy: RestartPolicy | undefined): boolean =>
  policy?.name === 'always' || policy?.name === 'unless-stopped';

export function checkRestartPolicy(policy: RestartPolicy | undefined): string | undefined {
  if (policy === undefined) return undefined;
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(policy.name)) return `invalid restart policy '${String(policy.name)}'`;
  const n = policy.maximumRetryCount;
  if (!Number.isInteger(n) || n < 0) return 'invalid restart policy: maximum retry count must be a positive integer';
  if (policy.name !== 'on-failure' && n > 0) return `invalid restart policy: maximum retry count can only be used with 'on-failure'`;
  return undefined;
}
