import { failedPrecondition, invalidArgument } from '../../lib/index.js';
import { parseCommandArgs } from '../args.js';
import type { CommandContext } from '../context.js';
import { readEnvFile, resolveEnv } from '../env-file.js';
import { execOptions } from '../run-options.js';
import { openSession } from '../session.js';
import { consoleSize } from '../tty.js';

/** `berth exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG…]`; exits with the command's code. */
export async function execInContainer(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('exec', ctx.args, execOptions);
  const [container, ...cmd] = positionals;
  if (!container || cmd.length === 0) throw invalidArgument('exec: usage: berth exec [OPTIONS] CONTAINER COMMAND [ARG...]');
  const detach = values.detach === true;
  const tty = values.tty === true;
  const stdin = values.interactive === true && !detach;
  if (tty && stdin && !process.stdin.isTTY) throw failedPrecondition('the input device is not a TTY');
  const env = [...(values['env-file'] ?? []).flatMap(readEnvFile), ...(values.env ?? []).map((e) => resolveEnv(e))];
  const size = tty && !detach ? consoleSize() : undefined;
  const client = await ctx.client();
  const { Id: id } = await client.json<{ Id: string }>('POST', `/containers/${encodeURIComponent(container)}/exec`, {
    body: {
      AttachStdin: stdin,
      AttachStdout: !detach,
      AttachStderr: !detach,
      Tty: tty,
      Cmd: cmd,
      ...(env.length ? { Env: env } : {}),
      ...(values.user !== undefined ? { User: values.user } : {}),
      ...(values.workdir !== undefined ? { WorkingDir: values.workdir } : {}),
      ...(values.privileged ? { Privileged: true } : {}),
      ...(size ? { ConsoleSize: size } : {}),
    },
  });
  const start = `/exec/${encodeURIComponent(id)}/start`;
  if (detach) {
    (await client.request('POST', start, { body: { Detach: true, Tty: tty } })).resume();
    return 0;
  }
  const session = await openSession(client, start, { tty, stdin, body: { Detach: false, Tty: tty, ...(size ? { ConsoleSize: size } : {}) } });
  session.followSize((h, w) => client.request('POST', `/exec/${encodeURIComponent(id)}/resize`, { query: { h: String(h), w: String(w) } }).then((r) => r.resume()));
  await session.done;
  const inspect = await client.json<{ ExitCode: number | null; Running: boolean }>('GET', `/exec/${encodeURIComponent(id)}/json`);
  return inspect.ExitCode ?? 0;
}
