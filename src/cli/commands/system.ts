import { join } from 'node:path';
import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import { defaultRoot, defaultRun, type CommandContext } from '../context.js';
import { readRegistryServeFlags, registryServeFlags } from '../registry-flags.js';

export async function daemon(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('daemon', ctx.args, {
    runtime: { type: 'string' },
    'cgroup-parent': { type: 'string' },
    'insecure-registry': { type: 'string', multiple: true },
    registry: { type: 'string' },
    'registry-root': { type: 'string' },
    ...registryServeFlags('registry-'),
    bridge: { type: 'string', short: 'b' },
    'bridge-name': { type: 'string' },
    'default-subnet': { type: 'string' },
    'dns-upstream': { type: 'string', multiple: true },
  });
  if (positionals.length) throw invalidArgument(`daemon: unexpected argument ${JSON.stringify(positionals[0])}`);
  const runtime = values.runtime;
  if (runtime !== undefined && runtime !== 'runc' && runtime !== 'crun') {
    throw invalidArgument(`daemon: unknown runtime ${JSON.stringify(runtime)}: use runc or crun`);
  }
  const cgroupParent = values['cgroup-parent'];
  if (cgroupParent !== undefined && !cgroupParent.startsWith('/')) {
    throw invalidArgument(`daemon: --cgroup-parent must be an absolute cgroup path, got ${JSON.stringify(cgroupParent)}`);
  }
  const root = ctx.globals.root ?? defaultRoot;
  const registry = await registryOptions(values, root);
  const bridge = values.bridge ?? values['bridge-name'];
  if (bridge !== undefined && !/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) {
    throw invalidArgument(`daemon: --bridge must be an interface name (at most 15 of [a-zA-Z0-9_.-]), got ${JSON.stringify(bridge)}`);
  }
  const { runDaemon } = await import('../../daemon/index.js');
  return runDaemon({
    root,
    run: ctx.globals.run ?? defaultRun,
    hosts: ctx.globals.host ? [ctx.globals.host] : [],
    ...(runtime === undefined ? {} : { runtime }),
    ...(cgroupParent === undefined ? {} : { cgroupParent }),
    ...(values['insecure-registry']?.length ? { insecureRegistries: values['insecure-registry'] } : {}),
    ...(registry ? { registry } : {}),
    network: {
      ...(bridge === undefined ? {} : { bridgeName: bridge }),
      ...(values['default-subnet'] === undefined ? {} : { defaultSubnet: values['default-subnet'] }),
      ...(values['dns-upstream']?.length ? { dnsUpstreams: values['dns-upstream'] } : {}),
    },
  });
}

/**
 * `--registry ADDR` with `--registry-root DIR` (default `<root>/registry`, as `berth registry`
 * keeps it beside the engine's) and the registry's auth/TLS flags behind `registry-`.
 */
async function registryOptions(
  values: Record<string, string | boolean | Array<string | boolean> | undefined>,
  root: string,
): Promise<import('../../registry/index.js').RegistryServerOptions | undefined> {
  const addr = values['registry'];
  const given = Object.keys(values).filter((k) => k.startsWith('registry-') && values[k] !== undefined);
  if (typeof addr !== 'string') {
    if (given.length > 0) throw invalidArgument(`daemon: --${given[0] ?? ''} needs --registry ADDR`);
    return undefined;
  }
  const { parseAuthFlag, parseAddr } = await import('../../registry/index.js');
  parseAddr(addr);
  const { auth, tls } = readRegistryServeFlags(values, 'registry-', parseAuthFlag);
  const registryRoot = values['registry-root'];
  return {
    addr,
    root: typeof registryRoot === 'string' ? registryRoot : join(root, 'registry'),
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
  };
}

export async function version(ctx: CommandContext): Promise<void> {
  const { values } = parseVerbArgs('version', ctx.args, { format: { type: 'string' } });
  const client = await ctx.client();
  const server = await client.json<{ Version: string; ApiVersion: string; Os: string; Arch: string; KernelVersion: string }>(
    'GET',
    '/version',
  );
  if (values.format === 'json') return ctx.out(JSON.stringify(server, null, 2) + '\n');
  ctx.out(
    `Server: berth\n Version:        ${server.Version}\n API version:    ${server.ApiVersion}\n OS/Arch:        ${server.Os}/${server.Arch}\n Kernel:         ${server.KernelVersion}\n`,
  );
}

export async function info(ctx: CommandContext): Promise<void> {
  const { values } = parseVerbArgs('info', ctx.args, { format: { type: 'string' } });
  const client = await ctx.client();
  const facts = await client.json<Record<string, unknown>>('GET', '/info');
  if (values.format === 'json') return ctx.out(JSON.stringify(facts, null, 2) + '\n');
  const keys = ['ServerVersion', 'DockerRootDir', 'Images', 'Containers', 'Driver', 'DefaultRuntime', 'KernelVersion', 'OSType', 'Architecture', 'NCPU', 'MemTotal'];
  ctx.out(keys.map((k) => `${k}: ${String(facts[k])}`).join('\n') + '\n');
}
