export { openEngine, DEFAULT_RUN_DIR, DEFAULT_ROOT, instanceTag, type Engine, type EngineOptions, type NetworkOptions, type RuntimeInfo } from './engine.js';
export type { NetworkInfo, NetworkService } from './networks/service.js';
export type { EndpointRecord, NetworkCreateRequest, NetworkPruneFilters, NetworkRecord } from '../network/index.js';
export type { RuntimeChoice } from './runtime-choice.js';
export type { BuildCache } from './build-cache.js';
export type { CommitOptions } from './commit.js';
export type {
  ArchiveFormat,
  Distribution,
  ImageRecord,
  ImageService,
  ImportOptions,
  NewImageRequest,
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
export type * from './volumes/types.js';
export { ANONYMOUS_LABEL } from './volumes/index.js';
