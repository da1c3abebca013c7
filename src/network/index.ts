export { NetworkManager, type NetworkManagerOptions } from './manager.js';
export { isIpv4 } from './cidr.js';
export type * from './types.js';
