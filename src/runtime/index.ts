export * from './spec-types.js';
export * from './spec-input.js';
export { buildSpec, OCI_VERSION } from './spec.js';
export { specToJson } from './spec-json.js';
export { MIN_MEMORY } from './spec-resources.js';
export { DEFAULT_DEVICE_RULES, DEFAULT_PATH, DEFAULT_SHM_SIZE, MASKED_PATHS, READONLY_PATHS } from './spec-defaults.js';
export {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  capabilityMask,
  capabilitySet,
  capabilitiesFromMask,
  normalizeCapability,
  type CapabilityHost,
  type CapabilityRequest,
} from './capabilities.js';
export { defaultSeccompProfile, seccompFor, type SeccompHost, type SeccompMode } from './seccomp.js';
export { detectHost, runtimeInvocation, type CgroupInfo, type HostInfo, type RuntimeInfo, type RuntimeName } from './host.js';
export { RLIM_INFINITY, type CgroupHierarchy, type CgroupLayout, type RlimitType, type RlimitValue } from './host-parse.js';
export {
  RuntimeDriver,
  type ContainerInfo,
  type ContainerRecord,
  type ContainerState,
  type ContainerStatus,
  type CreateOptions,
  type RuntimeDriverOptions,
} from './driver.js';
export { RuntimeError, startFailureExitCode } from './driver-errors.js';
export { type ExecOptions, type ExecProcess, type ExecSession } from './driver-exec.js';
export { type RunLayout } from './driver-paths.js';
export { type AttachChunk, type AttachSession, type AttachStream } from './conmon-attach.js';
export { type ConmonLogLevel } from './conmon.js';
export { LineJoiner, parseLog, parseLogRecord, timestampNs, type LogEntry, type LogRecord, type LogStream } from './logs.js';
export { readLogs, type ReadLogsOptions } from './logs-read.js';
