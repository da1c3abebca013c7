import type http from 'node:http';
import { BerthError, failedPrecondition, invalidArgument, isNotFound } from '../../lib/index.js';
import { parseCommandArgs, parseVerbArgs } from '../args.js';
import { readAll, type ApiClient } from '../client.js';
import { buildCreateRequest, type CreateRequest } from '../container-config.js';
import type { CommandContext } from '../context.js';
import { createOptions, runOptions } from '../run-options.js';
import { openSession, proxySignals, type Session } from '../session.js';
import { consoleSize } from '../tty.js';

const path = (id: string, rest = ''): string => `/containers/${encodeURIComponent(id)}${rest}`;

/** `berth run`: create, attach (unless -d), wait, start, stream, exit with the container's code. */
export async function runContainer(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', ctx.args, runOptions);
  const request = buildCreateRequest(values, positionals);
  const { body } = request;
  checkTty(body.Tty, body.AttachStdin);
  const size = body.Tty ? consoleSize() : undefined;
  if (size) body.HostConfig.ConsoleSize = size;
  const client = await ctx.client();

  let id: string;
  try {
    id = await createContainer(client, request, ctx);
  } catch (err) {
    ctx.err(`berth: ${(err as Error).message}\n`);
    return 125;
  }

  const attached = body.AttachStdin || body.AttachStdout || body.AttachStderr;
  let session: Session | undefined;
  let wait: http.IncomingMessage | undefined;
  try {
    if (attached) {
      session = await openSession(client, path(id, '/attach'), {
        tty: body.Tty,
        stdin: body.AttachStdin,
        query: { stream: true, stdin: body.AttachStdin, stdout: body.AttachStdout, stderr: body.AttachStderr },
      });
      // Registered before start, so that even an instant exit is seen (and, with --rm, the removal).
      wait = await client.request('POST', path(id, '/wait'), { query: { condition: body.HostConfig.AutoRemove ? 'removed' : 'next-exit' } });
    }
    await client.request('POST', path(id, '/start')).then((res) => res.resume());
  } catch (err) {
    session?.close();
    await session?.done.catch(() => {});
    wait?.destroy();
    ctx.err(`berth: ${(err as Error).message}\n`);
    // --rm holds for a container that never ran, too (the daemon may have removed it already).
    if (body.HostConfig.AutoRemove) await removeQuietly(client, id);
    return startFailureCode(err);
  }

  if (!session || !wait) {
    ctx.out(id + '\n');
    return 0;
  }
  session.followSize((h, w) => client.request('POST', path(id, '/resize'), { query: { h: String(h), w: String(w) } }).then((r) => r.resume()));
  const unproxy = body.Tty ? () => {} : proxySignals((signal) => client.request('POST', path(id, '/kill'), { query: { signal } }).then((r) => r.resume()));
  try {
    await session.done.catch((err: Error) => ctx.err(`berth: ${err.message}\n`));
    return await exitStatus(wait, ctx);
  } finally {
    unproxy();
  }
}

/** `berth create`: prints the new container's ID. */
export async function createContainerVerb(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs('create', ctx.args, createOptions);
  const request = buildCreateRequest(values, positionals);
  const size = request.body.Tty ? consoleSize() : undefined;
  if (size) request.body.HostConfig.ConsoleSize = size;
  const client = await ctx.client();
  ctx.out((await createContainer(client, request, ctx)) + '\n');
}

/** `POST /containers/create`; a missing image is reported as docker does before it would pull. */
async function createContainer(client: ApiClient, request: CreateRequest, ctx: CommandContext): Promise<string> {
  try {
    const created = await client.json<{ Id: string; Warnings?: string[] | null }>('POST', '/containers/create', {
      query: { name: request.name, platform: request.platform },
      body: request.body,
    });
    for (const warning of created.Warnings ?? []) ctx.err(`WARNING: ${warning}\n`);
    return created.Id;
  } catch (err) {
    if (isNotFound(err) && /no such image/i.test((err as Error).message)) {
      ctx.err(`Unable to find image '${withDefaultTag(request.body.Image)}' locally\n`);
      throw new BerthError('not-found', `${(err as Error).message} (berth cannot pull images yet: import or load it first)`);
    }
    throw err;
  }
}

async function removeQuietly(client: ApiClient, id: string): Promise<void> {
  try {
    (await client.request('DELETE', path(id), { query: { force: true } })).resume();
  } catch {
    // already gone, or the daemon's own failure was reported above
  }
}

/** `busybox` → `busybox:latest`, as docker names a reference it is about to pull. */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const slash = image.lastIndexOf('/');
  return image.indexOf(':', slash + 1) >= 0 ? image : `${image}:latest`;
}

/**
 * docker run's exit codes when the container could not start: 127 when the command
 * was not found, 126 when it could not be invoked, 125 for any other daemon failure.
 */
export function startFailureCode(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  if (/executable file not found|no such file or directory|cannot find the file specified/i.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 125;
}

/** Reads `/wait`'s answer: the exit code, or 125 when waiting failed. */
async function exitStatus(wait: http.IncomingMessage, ctx: CommandContext): Promise<number> {
  try {
    const text = await readAll(wait);
    const result = JSON.parse(text) as { StatusCode: number; Error?: { Message?: string } | null };
    if (result.Error?.Message) {
      ctx.err(`berth: error waiting for container: ${result.Error.Message}\n`);
      return 125;
    }
    return result.StatusCode;
  } catch (err) {
    ctx.err(`berth: error waiting for container: ${(err as Error).message}\n`);
    return 125;
  }
}

function checkTty(tty: boolean, stdin: boolean): void {
  if (tty && stdin && !process.stdin.isTTY) throw failedPrecondition('the input device is not a TTY');
}

interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Tty: boolean; OpenStdin: boolean };
  HostConfig: { AutoRemove?: boolean };
}

/** `berth start [-a] [-i] CONTAINER…`. */
export async function startContainers(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('start', ctx.args, {
    attach: { type: 'boolean', short: 'a' },
    interactive: { type: 'boolean', short: 'i' },
  });
  if (positionals.length === 0) throw invalidArgument('start: at least one container is needed');
  const client = await ctx.client();
  if (!values.attach && !values.interactive) {
    let failed: string[] = [];
    for (const name of positionals) {
      try {
        (await client.request('POST', path(name, '/start'))).resume();
        ctx.out(name + '\n');
      } catch (err) {
        ctx.err(`berth: ${(err as Error).message}\n`);
        failed = [...failed, name];
      }
    }
    if (failed.length) ctx.err(`berth: failed to start containers: ${failed.join(', ')}\n`);
    return failed.length ? 1 : 0;
  }
  if (positionals.length > 1) throw invalidArgument('start: you cannot start and attach multiple containers at once');
  const container = await client.json<ContainerInspect>('GET', path(positionals[0] ?? '', '/json'));
  const tty = container.Config.Tty;
  const stdin = values.interactive === true && container.Config.OpenStdin;
  checkTty(tty, stdin);
  const session = await openSession(client, path(container.Id, '/attach'), {
    tty,
    stdin,
    query: { stream: true, stdin, stdout: true, stderr: true },
  });
  let wait: http.IncomingMessage;
  try {
    wait = await client.request('POST', path(container.Id, '/wait'), { query: { condition: container.HostConfig.AutoRemove ? 'removed' : 'next-exit' } });
    (await client.request('POST', path(container.Id, '/start'))).resume();
  } catch (err) {
    session.close();
    await session.done.catch(() => {});
    throw err;
  }
  session.followSize((h, w) => client.request('POST', path(container.Id, '/resize'), { query: { h: String(h), w: String(w) } }).then((r) => r.resume()));
  const unproxy = tty ? () => {} : proxySignals((signal) => client.request('POST', path(container.Id, '/kill'), { query: { signal } }).then((r) => r.resume()));
  try {
    await session.done.catch((err: Error) => ctx.err(`berth: ${err.message}\n`));
    return await exitStatus(wait, ctx);
  } finally {
    unproxy();
  }
}
