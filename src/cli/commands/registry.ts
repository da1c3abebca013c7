import { join } from 'node:path';
import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import { defaultRoot, type CommandContext } from '../context.js';
import { readRegistryServeFlags, registryServeFlags } from '../registry-flags.js';

/** Without --root the registry keeps its own root beside the engine's: one process owns a root. */
const registryRoot = (ctx: CommandContext): string => ctx.globals.root ?? join(defaultRoot, 'registry');

const serveFlags = { addr: { type: 'string' }, ...registryServeFlags() } as const;

/**
 * `berth registry [--addr HOST:PORT] [--auth htpasswd:FILE | --auth token …] [--tls-cert F --tls-key F]`
 * serves until SIGINT/SIGTERM; `berth registry gc` collects.
 */
export async function registryCommand(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('registry', ctx.args, serveFlags);
  const registry = await import('../../registry/index.js');
  const [sub, ...rest] = positionals;
  if (sub === 'gc') {
    if (rest.length > 0 || Object.keys(values).length > 0) throw invalidArgument('registry gc takes no arguments but --root');
    const r = await registry.openRegistry(registryRoot(ctx));
    try {
      const result = await r.gc();
      ctx.out(`removed ${result.removedBlobs.length} blobs, ${result.reclaimedBytes} bytes\n`);
    } finally {
      await r.close();
    }
    return 0;
  }
  if (sub !== undefined) throw invalidArgument(`unknown registry subcommand ${JSON.stringify(sub)}`);
  const { auth, tls } = readRegistryServeFlags(values, '', registry.parseAuthFlag);
  const running = await registry.startRegistryServer({
    root: registryRoot(ctx),
    addr: values.addr ?? '127.0.0.1:5000',
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
  });
  ctx.out(`berth registry listening on ${running.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
