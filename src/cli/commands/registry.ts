import { join } from 'node:path';
import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import { defaultRoot, type CommandContext } from '../context.js';
import type { RegistryAuthConfig } from '../../registry/index.js';

/** Without --root the registry keeps its own root beside the engine's: one process owns a root. */
const registryRoot = (ctx: CommandContext): string => ctx.globals.root ?? join(defaultRoot, 'registry');

const serveFlags = {
  addr: { type: 'string' },
  auth: { type: 'string' },
  'auth-users': { type: 'string' },
  'token-realm': { type: 'string' },
  'token-key': { type: 'string' },
  'token-service': { type: 'string' },
  'anonymous-pull': { type: 'boolean' },
  'pull-only-users': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

type ServeValues = ReturnType<typeof parseVerbArgs<typeof serveFlags>>['values'];

/** The `--auth …` family of flags as the server's config; token-only flags without `--auth token` are refused. */
function authConfig(values: ServeValues, parseAuthFlag: (v: string) => { kind: 'htpasswd'; file: string } | { kind: 'token' }): RegistryAuthConfig | undefined {
  const tokenOnly = (['auth-users', 'token-realm', 'token-key', 'token-service', 'anonymous-pull', 'pull-only-users'] as const).filter((f) => values[f] !== undefined);
  const parsed = values.auth !== undefined ? parseAuthFlag(values.auth) : undefined;
  if (parsed?.kind !== 'token' && tokenOnly.length > 0) throw invalidArgument(`registry: --${tokenOnly[0] ?? ''} needs --auth token`);
  if (parsed?.kind !== 'token') return parsed;
  return {
    kind: 'token',
    ...(values['auth-users'] !== undefined ? { usersFile: values['auth-users'] } : {}),
    ...(values['token-realm'] !== undefined ? { realm: values['token-realm'] } : {}),
    ...(values['token-key'] !== undefined ? { keyFile: values['token-key'] } : {}),
    ...(values['token-service'] !== undefined ? { service: values['token-service'] } : {}),
    ...(values['pull-only-users'] !== undefined ? { pullOnly: values['pull-only-users'].split(',').filter((u) => u !== '') } : {}),
    anonymousPull: values['anonymous-pull'] ?? false,
  };
}

function tlsConfig(values: ServeValues): { cert: string; key: string } | undefined {
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw invalidArgument('registry: --tls-cert and --tls-key go together');
  return { cert, key };
}

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
  const auth = authConfig(values, registry.parseAuthFlag);
  const tls = tlsConfig(values);
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
