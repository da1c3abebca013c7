export { LocalContainerService, type ContainerServiceOptions, type ImageSource } from './service.js';
export type { DriverPort, LogEntryPort, LogReaderPort, LogReadOptionsPort } from './driver-port.js';
export type * from './types.js';
export { findInitBinary } from './init-binary.js';
export type { VolumePort } from './volume-port.js';
