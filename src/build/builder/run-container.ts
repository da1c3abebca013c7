import type { ContainerService } from '../../engine/index.js';
import type { BuildOutput } from './types.js';

/**
 * Runs a RUN step's container: its output streamed to the build as it comes, until it
 * exits; a cancelled build kills it. Returns the exit code.
 */
export async function runToCompletion(containers: ContainerService, id: string, out: BuildOutput, signal: AbortSignal | undefined): Promise<number> {
  const session = await containers.attach(id, { stdin: false });
  const pump = (async () => {
    for await (const line of session.output) out.stream(line.data.toString());
  })();
  try {
    await containers.start(id);
  } catch (err) {
    session.close();
    await pump.catch(() => undefined);
    throw err;
  }
  const cancel = (): void => void containers.kill(id).catch(() => undefined);
  signal?.addEventListener('abort', cancel);
  try {
    const { exitCode } = await containers.wait(id);
    await pump.catch(() => undefined);
    return exitCode;
  } finally {
    signal?.removeEventListener('abort', cancel);
    session.close();
  }
}
