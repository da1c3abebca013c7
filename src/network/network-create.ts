import { randomBytes } from 'node:crypto';
import { conflict, invalidArgument, notFound } from '../lib/index.js';
import { overlaps, parseSubnet, type Subnet } from './cidr.js';
import { planAddresses } from './ipam.js';
import type { NetworkCreateRequest, NetworkRecord } from './types.js';

export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * A new user-defined bridge network from a create request, checked against the networks
 * there are (name, bridge and subnet clashes); `choose` picks a free subnet when none
 * was asked for.
 */
export function newNetwork(request: NetworkCreateRequest, existing: readonly NetworkRecord[], choose: () => Subnet): NetworkRecord {
  if (typeof request.name !== 'string' || !NAME.test(request.name)) {
    throw invalidArgument(`invalid network name ${JSON.stringify(request.name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  if (existing.some((n) => n.name === request.name)) throw conflict(`network with name ${request.name} already exists`);
  const driver = request.driver ?? 'bridge';
  if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
  const options = request.options ?? {};
  const id = randomBytes(32).toString('hex');
  const bridge = options[BRIDGE_NAME_OPTION] ?? `br-${id.slice(0, 12)}`;
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) throw invalidArgument(`invalid ${BRIDGE_NAME_OPTION} ${JSON.stringify(bridge)}: at most 15 of [a-zA-Z0-9_.-]`);
  if (existing.some((n) => n.bridge === bridge)) throw conflict(`bridge ${bridge} is already used by another network`);
  if (request.subnet !== undefined) {
    const wanted = parseSubnet(request.subnet, '--subnet');
    const clash = existing.some((n) => n.subnet !== undefined && overlaps(parseSubnet(n.subnet), wanted));
    if (clash) throw conflict('invalid pool request: Pool overlaps with other one on this address space');
  }
  const plan = planAddresses(request, choose);
  return {
    id,
    name: request.name,
    driver: 'bridge',
    created: new Date(),
    builtin: false,
    internal: request.internal === true,
    attachable: request.attachable === true,
    labels: request.labels ?? {},
    options,
    subnet: plan.subnet,
    gateway: plan.gateway,
    bridge,
    ...(request.subnet === undefined ? { autoSubnet: true } : {}),
  };
}
