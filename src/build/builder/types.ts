import type { RegistryAuth, ResourceLimits, TransferListener } from '../../engine/index.js';
import type { BuildContextDir } from '../context/index.js';

/** What a build is asked to do (the classic builder's options, as `POST /build` carries them). */
export interface BuildRequest {
  /** The Dockerfile's text. */
  dockerfile: string;
  /** Its name, as errors show it (`Dockerfile`, `build/Dockerfile.dev`). */
  dockerfileName: string;
  context: BuildContextDir;
  /** Names to tag the result with. */
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  /** `--label`: added to the target stage as a last LABEL step. */
  labels: Record<string, string>;
  noCache: boolean;
  /** Pull base images even when a local copy exists. */
  pull: boolean;
  /** Remove intermediate containers after a successful step (default true). */
  remove: boolean;
  /** Remove them after a failed one too. */
  forceRemove: boolean;
  /** RUN containers' network: `host`, `none` or the engine's default. */
  networkMode?: string;
  /** Limits for RUN containers (`--memory`, `--cpu-shares`, …). */
  resources?: ResourceLimits;
  /** Target platform (`--platform`). */
  platform?: string;
  /** Cancels the build (the client went away): the running step's container is killed. */
  signal?: AbortSignal;
  /** Credentials for pulling base images, by registry (`X-Registry-Config`). */
  registryAuth?: Record<string, RegistryAuth>;
}

/** Where the builder reports (the API turns these into `{"stream"}` and `{"aux"}` messages). */
export interface BuildOutput {
  /** Progress and step output; text as Docker's classic builder prints it. */
  stream(text: string): void;
  /** A stage's result image ID (the last one is the build's). */
  aux(imageId: string): void;
  /** A base image being pulled: its progress events, then `done` once it is here. */
  pull?(reference: string): { progress: TransferListener; done(): void };
}

export interface BuildResult {
  imageId: string;
  tags: string[];
}
