export { openEngine, DEFAULT_RUN_DIR, DEFAULT_ROOT, instanceTag, type Engine, type EngineOptions, type NetworkOptions } from './engine.js';
export type { NetworkInfo, NetworkService } from './networks/service.js';
export type { EndpointRecord, NetworkCreateRequest, NetworkPruneFilters, NetworkRecord } from '../network/index.js';
export { isRuntimeName, type RuntimeChoice } from './runtime-choice.js';
export type {
  ArchiveFormat,
  Distribution,
  ImageRecord,
  ImageService,
  ImportOptions,
  LoadResult,
  ProgressListener,
  PruneResult,
  PulledImage,
  PullOptions,
  PushOptions,
  RegistryAuth,
  RemovedImage,
  TransferEvent,
  TransferListener,
  TransferPhase,
} from './images/types.js';
export type * from './containers/types.js';
