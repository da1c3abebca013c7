export { openEngine, DEFAULT_RUN_DIR, type Engine, type EngineOptions } from './engine.js';
export type { BuildCache } from './build-cache.js';
export type { CommitOptions } from './commit.js';
export { isRuntimeName, type RuntimeChoice } from './runtime-choice.js';
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
