import { isNotFound } from '../../lib/index.js';
import type { DriverPort } from './driver-port.js';
import type { KeyedLock } from './keyed-lock.js';
import { restartsOnBoot } from './restart.js';
import type { ContainerStore } from './store.js';
import type { ContainerStatus } from './types.js';

export interface RecoveryContext {
  store: ContainerStore;
  lock: KeyedLock;
  driver: Pick<DriverPort, 'state'>;
  /** Watches a container that still runs: its exit, its health checks. */
  watch(id: string): void;
  /** Under the lock: records an exit without applying the restart policy. */
  recordExit(id: string, exitCode: number): Promise<void>;
  /** Whether a restart of the container is already scheduled. */
  restartPending(id: string): boolean;
  start(id: string): Promise<void>;
}

const ACTIVE: ReadonlySet<ContainerStatus> = new Set(['running', 'paused', 'restarting', 'removing']);

/**
 * Picks up what an earlier engine left: running containers are watched again, those that
 * exited meanwhile get their exit recorded (from conmon's exit file), and those whose
 * policy says so (always; unless-stopped when not stopped by the user) start again.
 */
export async function recoverContainers(ctx: RecoveryContext): Promise<void> {
  for (const c of ctx.store.list()) {
    if (!ACTIVE.has(c.state.status)) continue;
    await ctx.lock.run(c.id, () => readopt(ctx, c.id)).catch(() => undefined);
  }
  for (const c of ctx.store.list()) {
    const policy = c.request.restartPolicy;
    if (c.state.status !== 'exited' || c.state.startedAt === undefined || !restartsOnBoot(policy)) continue;
    if (policy?.name === 'unless-stopped' && c.stoppedByUser) continue;
    if (ctx.restartPending(c.id)) continue;
    await ctx.start(c.id).catch(() => undefined);
  }
}

/** Under the lock: one container that was active when the earlier engine went away. */
async function readopt(ctx: RecoveryContext, id: string): Promise<void> {
  const c = ctx.store.get(id);
  if (c.state.status === 'removing') {
    ctx.store.setState(id, { ...c.state, status: 'dead' });
    return;
  }
  if (c.state.status === 'restarting') {
    ctx.store.setState(id, { ...c.state, status: 'exited' });
    return;
  }
  let status: string;
  let exitCode: number | undefined;
  try {
    const s = await ctx.driver.state(id);
    status = s.status;
    exitCode = s.exitCode;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    status = 'gone';
  }
  if (status === 'running' || status === 'paused') {
    if (status !== c.state.status) ctx.store.setState(id, { ...c.state, status });
    ctx.watch(id);
    return;
  }
  // Exited while no engine watched (its code is in conmon's exit file), or gone with
  // the run directory (a reboot): 255, the code Docker records when it is lost.
  await ctx.recordExit(id, exitCode ?? 255);
}
