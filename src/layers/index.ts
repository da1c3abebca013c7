export { applyLayer, type ApplyOptions, type ApplyResult, type WhiteoutMode } from './apply.js';
export { openLayerStream } from './decompress.js';
export { TarReader, type TarEntryHandler, type TarEntrySink, type TarHeader as TarReadHeader } from './tar-reader.js';
export { diffUpperDir, tarDirectory, WHITEOUT_OPAQUE, WHITEOUT_PREFIX, type DiffSkip } from './diff.js';
export {
  Snapshotter,
  type ActiveSnapshot,
  type ActiveSnapshots,
  type PendingCommit,
  type SnapshotInfo,
  type SnapshotReader,
  type SnapshotterOptions,
  type SnapshotWriter,
} from './snapshots.js';
export { chainIdOf, chainIds } from './snapshots-chain.js';
export { unpackLayer, type UnpackRequest } from './unpack.js';
export {
  bindMount,
  isMountPoint,
  mountOverlay,
  mountsUnder,
  overlayOptions,
  unmount,
  unmountAllUnder,
  MAX_MOUNT_DATA,
  MAX_OVERLAY_LOWERS,
  type OverlaySpec,
} from './overlay-mount.js';
