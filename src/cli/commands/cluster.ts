import { invalidArgument } from '../../lib/index.js';
import { parseVerbArgs } from '../args.js';
import { defaultRoot, type CommandContext } from '../context.js';

/** `berth server [--port 6443] [--bind-address 127.0.0.1] [--datastore sqlite://…|etcd://…] [--tls-san NAME] [--service-cluster-ip-range CIDR] [--service-node-port-range A-B]`. */
export async function server(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseVerbArgs('server', ctx.args, {
    port: { type: 'string' },
    'bind-address': { type: 'string' },
    'advertise-address': { type: 'string' },
    datastore: { type: 'string' },
    'tls-san': { type: 'string', multiple: true },
    'service-cluster-ip-range': { type: 'string' },
    'service-node-port-range': { type: 'string' },
  });
  if (positionals.length) throw invalidArgument(`server: unexpected argument ${JSON.stringify(positionals[0])}`);
  const port = values.port === undefined ? 6443 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidArgument(`server: --port must be a port number, got ${JSON.stringify(values.port)}`);
  const datastore = values.datastore === 'sqlite' ? undefined : values.datastore;
  const portRange = values['service-node-port-range'];
  const ports = portRange === undefined ? undefined : /^(\d+)-(\d+)$/.exec(portRange);
  if (ports === null) throw invalidArgument(`server: --service-node-port-range must look like 30000-32767, got ${JSON.stringify(portRange)}`);
  const { runClusterServer } = await import('../../daemon/index.js');
  return runClusterServer({
    root: ctx.globals.root ?? defaultRoot,
    port,
    ...(values['bind-address'] ? { bindAddress: values['bind-address'] } : {}),
    ...(values['advertise-address'] ? { advertiseAddress: values['advertise-address'] } : {}),
    ...(datastore ? { datastore } : {}),
    ...(values['tls-san']?.length ? { tlsSans: values['tls-san'] } : {}),
    ...(values['service-cluster-ip-range'] ? { serviceClusterIpRange: values['service-cluster-ip-range'] } : {}),
    ...(ports ? { serviceNodePortRange: { min: Number(ports[1]), max: Number(ports[2]) } } : {}),
  });
}

/** `berth kubeconfig [--user NAME [--group G]…]`: the admin kubeconfig the server wrote, or one with a client certificate for another user. */
export async function kubeconfig(ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseVerbArgs('kubeconfig', ctx.args, {
    user: { type: 'string' },
    group: { type: 'string', multiple: true },
  });
  if (positionals.length) throw invalidArgument(`kubeconfig: unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.group && !values.user) throw invalidArgument('kubeconfig: --group needs --user');
  const { kubeconfigFor } = await import('../../daemon/index.js');
  ctx.out(await kubeconfigFor(ctx.globals.root ?? defaultRoot, values.user ? { name: values.user, groups: values.group ?? [] } : undefined));
}
