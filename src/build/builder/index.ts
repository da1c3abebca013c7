export { Builder, RunFailure } from './builder.js';
export { buildFromArchive, removeStaleBuildDirs, type ArchiveBuildOptions } from './archive.js';
export type { BuildOutput, BuildRequest, BuildResult } from './types.js';
