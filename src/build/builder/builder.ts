import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Engine, ImageRecord, MountRequest } from '../../engine/index.js';
import { BerthError, invalidArgument, isNotFound } from '../../lib/index.js';
import type { ContainerConfig as ImageExecConfig, Digest } from '../../oci/index.js';
import { copyFlags, copySources, digestSources, rememberedDigest, type CopySpec } from '../context/index.js';
import {
  DockerfileError,
  expand,
  findStage,
  lex,
  parseDockerfile,
  parseInstruction,
  proxyArgNames,
  stagesNeeded,
  StageScope,
  targetStage,
  type Dockerfile,
  type Instruction,
  type LabelInstruction,
  type Stage,
} from '../dockerfile/index.js';
import { fetchRemote } from './fetch.js';
import { nopCommentString } from './history.js';
import { runBuildArgs } from './build-args.js';
import { applyMetadata, argvOf, normalizeWorkdir } from './metadata-steps.js';
import { authFor, checkTags, displayTag, platformOf, type Platform } from './references.js';
import { runToCompletion } from './run-container.js';
import { heredocRun, SCRIPT_DIR } from './run-heredocs.js';
import type { BuildOutput, BuildRequest, BuildResult } from './types.js';
import { mkdirInRoot } from './workdir.js';

/** A RUN that exited non-zero: Docker's message, without a file:line prefix. */
export class RunFailure extends BerthError {
  constructor(
    command: string[],
    readonly exitCode: number,
  ) {
    super('failed-precondition', `The command '${command.join(' ')}' returned a non-zero code: ${exitCode}`);
    this.name = 'RunFailure';
  }
}

/** One stage while it is built (moby's dispatchState). */
interface StageState {
  /** The latest image; undefined for `FROM scratch` before its first step. */
  imageId: Digest | undefined;
  config: ImageExecConfig;
  platform: Platform;
  cmdSet: boolean;
  maintainer: string | undefined;
  scope: StageScope;
}

const short = (id: string | undefined): string => (id ?? '').replace(/^sha256:/, '').slice(0, 12);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const envKey = (entry: string): string => (entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry);

const BUILDKIT_ONLY = 'requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled';

/**
 * The classic Docker builder over the engine: each step starts from the previous step's
 * image; config-only steps make a new config (an `empty_layer` history entry), RUN,
 * COPY, ADD and WORKDIR run in (or write into) a container made from it whose writable
 * layer is committed as the step's layer. Every step is looked up in the build cache
 * first, keyed by its parent image, its instruction and config, and the content it copies.
 */
export class Builder {
  private readonly file: string;
  private readonly dockerfile: Dockerfile;
  private readonly results = new Map<number, { imageId: Digest | undefined; platform: Platform }>();
  private readonly referencedArgs = new Set<string>();
  private stepNumber = 1;
  private totalSteps = 0;

  constructor(
    private readonly engine: Engine,
    private readonly request: BuildRequest,
    private readonly out: BuildOutput,
  ) {
    this.file = request.dockerfileName;
    this.dockerfile = parseDockerfile(request.dockerfile, {
      file: this.file,
      buildArgs: request.buildArgs,
      ...(request.platform === undefined ? {} : { platform: request.platform }),
    });
  }

  async run(): Promise<BuildResult> {
    checkTags(this.request.tags);
    const df = this.dockerfile;
    const target = targetStage(df, this.request.target);
    const stages = stagesNeeded(df, this.request.target);
    const labels = this.labelSteps(target);
    const metaLines = [...new Set(df.metaArgs.map((a) => a.range.start))];
    this.totalSteps = metaLines.length + stages.reduce((n, s) => n + 1 + s.instructions.length, 0) + labels.length;
    for (const line of metaLines) {
      const args = df.metaArgs.filter((a) => a.range.start === line);
      this.printStep(`ARG ${args.map((a) => (a.default === undefined ? a.name : `${a.name}=${a.default}`)).join(' ')}`);
      for (const a of args) this.referencedArgs.add(a.name);
    }
    for (const stage of stages) {
      const extra = stage.index === target.index ? labels : [];
      const state = await this.buildStage(stage, extra);
      this.results.set(stage.index, { imageId: state.imageId, platform: state.platform });
      for (const name of state.scope.declaredArgs()) this.referencedArgs.add(name);
      if (state.imageId !== undefined) this.out.aux(state.imageId);
    }
    this.warnUnusedArgs();
    const imageId = this.results.get(target.index)?.imageId;
    if (imageId === undefined) throw invalidArgument('No image was generated. Is your Dockerfile empty?');
    this.out.stream(`Successfully built ${short(imageId)}\n`);
    for (const tag of this.request.tags) {
      await this.engine.images.tag(imageId, tag);
      this.out.stream(`Successfully tagged ${displayTag(tag)}\n`);
    }
    return { imageId, tags: [...this.request.tags] };
  }

  /** `--label`s become LABEL steps at the end of the target stage, sorted by key (as moby). */
  private labelSteps(target: Stage): LabelInstruction[] {
    return Object.keys(this.request.labels)
      .sort()
      .map((key) => {
        const value = this.request.labels[key] ?? '';
        return { kind: 'LABEL', range: { ...target.range }, original: `LABEL ${key}=${value}`, pairs: [{ key, value }] };
      });
  }

  private printStep(text: string): void {
    this.out.stream(`Step ${this.stepNumber++}/${this.totalSteps} : ${text}\n`);
  }

  private warnUnusedArgs(): void {
    const unused = Object.keys(this.request.buildArgs)
      .filter((k) => !proxyArgNames.has(k) && !this.referencedArgs.has(k))
      .sort();
    if (unused.length > 0) this.out.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
  }

  // ---- stages ------------------------------------------------------------------------

  private checkCancelled(): void {
    if (this.request.signal?.aborted) {
      this.out.stream('Build cancelled\n');
      throw new BerthError('gone', 'Build cancelled');
    }
  }

  private async buildStage(stage: Stage, labels: LabelInstruction[]): Promise<StageState> {
    this.checkCancelled();
    this.printStep(stage.from.original);
    const state = await this.atLine(stage.from.range.start, () => this.initStage(stage));
    this.out.stream(` ---> ${short(state.imageId)}\n`);
    const triggers = state.config.OnBuild ?? [];
    if (triggers.length > 0) {
      delete state.config.OnBuild;
      this.out.stream(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      for (const trigger of triggers) {
        const instruction = this.parseTrigger(trigger, stage.from.range.start);
        await this.atLine(stage.from.range.start, () => this.dispatch(state, instruction));
      }
    }
    const steps = [...stage.instructions.map((i) => ({ i, expand: true })), ...labels.map((i) => ({ i, expand: false }))];
    for (const { i, expand } of steps) {
      this.checkCancelled();
      this.printStep(i.original);
      await this.atLine(i.range.start, () => this.dispatch(state, i, expand));
      this.out.stream(` ---> ${short(state.imageId)}\n`);
    }
    return state;
  }

  private parseTrigger(trigger: string, line: number): Instruction {
    const escape = this.dockerfile.directives.escape;
    const [logical] = lex(trigger, this.file).lines;
    if (!logical) throw new DockerfileError(this.file, line, `empty ONBUILD trigger in the base image`);
    return parseInstruction({ ...logical, range: { start: line, end: line } }, { file: this.file, escape });
  }

  /** Runs one step; an error that does not name its line yet gets the step's file:line. */
  private async atLine<T>(line: number, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof DockerfileError || err instanceof RunFailure || this.request.signal?.aborted) throw err;
      throw new DockerfileError(this.file, line, err instanceof Error ? err.message : String(err));
    }
  }

  private async initStage(stage: Stage): Promise<StageState> {
    const df = this.dockerfile;
    const platform = stage.platform ?? this.request.platform;
    let imageId: Digest | undefined;
    let config: ImageExecConfig = {};
    let imagePlatform: Platform = platformOf(platform);
    if (stage.baseStage !== undefined) {
      const base = this.results.get(stage.baseStage);
      imageId = base?.imageId;
      if (base) imagePlatform = base.platform;
    } else if (stage.base.toLowerCase() !== 'scratch') {
      const image = await this.baseImage(stage.base, platform);
      imageId = image.id;
    }
    if (imageId !== undefined) {
      const image = await this.engine.images.get(imageId);
      config = structuredClone(image.config.config ?? {});
      imagePlatform = { os: image.config.os, architecture: image.config.architecture, ...(image.config.variant ? { variant: image.config.variant } : {}) };
    }
    const scope = new StageScope({
      file: this.file,
      escape: df.directives.escape,
      buildArgs: df.buildArgs,
      metaArgs: df.globalScope,
      platformArgs: df.platformArgs,
      baseEnv: Object.fromEntries((config.Env ?? []).map((e) => [envKey(e), e.slice(envKey(e).length + 1)])),
    });
    return { imageId, config, platform: imagePlatform, cmdSet: false, maintainer: undefined, scope };
  }

  /** A base image: the local one unless `--pull`; pulled when missing. */
  private async baseImage(reference: string, platform: string | undefined): Promise<ImageRecord> {
    if (!this.request.pull) {
      try {
        return await this.engine.images.get(reference);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const auth = authFor(this.request.registryAuth ?? {}, reference);
    const shown = this.out.pull?.(reference);
    const image = await this.engine.images.pull(reference, { ...(platform === undefined ? {} : { platform }), ...(auth === undefined ? {} : { auth }) }, shown?.progress);
    shown?.done();
    return image;
  }

  /** An image or an earlier stage, as COPY --from names it. */
  private async sourceImage(ref: string): Promise<Digest | undefined> {
    const stage = findStage(this.dockerfile, ref);
    if (stage) {
      const built = this.results.get(stage.index);
      if (!built) throw invalidArgument(`invalid from flag value ${ref}: stage ${ref} has not been built`);
      return built.imageId;
    }
    return (await this.baseImage(ref, this.request.platform)).id;
  }

  // ---- steps -------------------------------------------------------------------------

  /** `expand` false: values taken as given (the `--label` steps, as moby's NoExp). */
  private async dispatch(state: StageState, raw: Instruction, expandValues = true): Promise<void> {
    // ARG's history shows its defaults expanded with what came before it (moby's Expand).
    const shown = raw.kind === 'ARG' && expandValues ? this.expandedArgDefaults(state, raw) : raw;
    const ins = expandValues ? state.scope.apply(raw) : raw;
    switch (ins.kind) {
      case 'RUN':
        return this.runStep(state, ins);
      case 'COPY':
      case 'ADD':
        return this.copyStep(state, ins);
      case 'WORKDIR':
        return this.workdirStep(state, ins.path);
      default: {
        const change = applyMetadata(state.config, ins.kind === 'ARG' ? shown : ins, state.cmdSet);
        if (!change) throw invalidArgument(`${ins.kind} is not allowed here`);
        if (change.cmdSet) state.cmdSet = true;
        if (change.maintainer !== undefined) state.maintainer = change.maintainer;
        await this.cached(state, [change.createdBy, change.config], async (parent) =>
          this.engine.images.create({
            ...(parent === undefined ? { platform: state.platform } : { parent }),
            config: change.config,
            createdBy: change.createdBy,
            intermediate: true,
            ...(state.maintainer === undefined ? {} : { author: state.maintainer }),
          }),
        );
        state.config = change.config;
      }
    }
  }

  private expandedArgDefaults(state: StageState, ins: Extract<Instruction, { kind: 'ARG' }>): Instruction {
    const vars = state.scope.variables();
    const escape = this.dockerfile.directives.escape;
    return { ...ins, args: ins.args.map((a) => (a.default === undefined ? a : { ...a, default: expand(a.default, vars, { escape }) })) };
  }

  /**
   * Looks the step up in the cache (`key` plus the parent); on a miss runs `make` and
   * records what it made. Either way the stage moves on to that image.
   */
  private async cached(state: StageState, key: unknown[], make: (parent: Digest | undefined) => Promise<ImageRecord>): Promise<void> {
    const parentKey = state.imageId ?? `scratch:${state.platform.os}/${state.platform.architecture}`;
    const cacheKey = `sha256:${sha256(JSON.stringify([parentKey, ...key]))}`;
    if (!this.request.noCache) {
      const hit = this.engine.buildCache.get(cacheKey);
      if (hit !== undefined && (await this.exists(hit))) {
        this.out.stream(' ---> Using cache\n');
        state.imageId = hit;
        return;
      }
    }
    const made = await make(state.imageId);
    this.engine.buildCache.put(cacheKey, made.id);
    state.imageId = made.id;
  }

  private async exists(imageId: Digest): Promise<boolean> {
    try {
      await this.engine.images.get(imageId);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async runStep(state: StageState, ins: Extract<Instruction, { kind: 'RUN' }>): Promise<void> {
    if (ins.mounts.length > 0) throw invalidArgument(`the --mount option ${BUILDKIT_ONLY}`);
    if (ins.security !== undefined) throw invalidArgument(`the --security option ${BUILDKIT_ONLY}`);
    const networkMode = this.runNetwork(ins.network);
    const { command, script } = heredocRun(ins);
    const cmd = argvOf(state.config, command);
    const args = runBuildArgs(state.scope, state.config);
    const saved = args.shown.length > 0 || args.env.length > 0 ? [`|${args.shown.length}`, ...args.shown, ...cmd] : cmd;
    const createdBy = saved.join(' ');
    // The heredoc bodies are in the key even when the command names only a script file.
    const key = ['RUN', createdBy, state.config, networkMode ?? 'default', ins.heredocs.map((h) => [h.name, h.content])];
    await this.cached(state, key, async (parent) => {
      const scriptDir = script === undefined ? undefined : await writeScript(script);
      try {
        const mounts = scriptDir === undefined ? [] : [{ type: 'bind' as const, source: scriptDir, target: SCRIPT_DIR, readOnly: true }];
        return await this.inContainer(state, parent, { cmd, env: args.env, createdBy, mounts, ...(networkMode === undefined ? {} : { networkMode }) }, async (id) => {
          this.out.stream(` ---> Running in ${short(id)}\n`);
          const exitCode = await runToCompletion(this.engine.containers, id, this.out, this.request.signal);
          this.checkCancelled();
          if (exitCode !== 0) throw new RunFailure(cmd, exitCode);
        });
      } finally {
        if (scriptDir !== undefined) await rm(scriptDir, { recursive: true, force: true });
      }
    });
  }

  /**
   * `RUN --network`: `default` is the build's network, `none` cuts the step off, and
   * `host` (BuildKit's network.host entitlement) only when the build itself runs with
   * `--network=host`, so a Dockerfile can never grant itself the host's network.
   */
  private runNetwork(requested: string | undefined): string | undefined {
    const build = this.request.networkMode === 'host' || this.request.networkMode === 'none' ? this.request.networkMode : undefined;
    switch (requested) {
      case undefined:
      case 'default':
        return build;
      case 'none':
        return 'none';
      case 'host':
        if (build !== 'host') throw invalidArgument('RUN --network=host is not allowed: the build must be started with --network=host to grant it');
        return 'host';
      default:
        throw invalidArgument(`RUN --network=${requested}: unsupported network mode (use default, none or host)`);
    }
  }

  private async workdirStep(state: StageState, requested: string): Promise<void> {
    const config = { ...structuredClone(state.config), WorkingDir: normalizeWorkdir(state.config.WorkingDir, requested) };
    const createdBy = nopCommentString(config, `WORKDIR ${config.WorkingDir}`);
    await this.cached(state, ['WORKDIR', createdBy, config], async (parent) =>
      this.inContainer({ ...state, config }, parent, { cmd: createdBy.split(' '), env: [], createdBy }, async (id) => {
        await this.engine.containers.withRootfs(id, (root) => mkdirInRoot(root, config.WorkingDir ?? '/'));
      }),
    );
    state.config = config;
  }

  private async copyStep(state: StageState, ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>): Promise<void> {
    const { containers } = this.engine;
    const from = ins.kind === 'COPY' ? ins.from : undefined;
    const sourceImage = from === undefined ? undefined : await this.sourceImage(from);
    if (from !== undefined && sourceImage === undefined) throw invalidArgument(`invalid from flag value ${from}: the stage has no files (FROM scratch)`);
    const spec: Omit<CopySpec, 'sourceRoot' | 'targetRoot'> = {
      kind: ins.kind,
      fromContext: from === undefined,
      sources: ins.sources,
      ...(ins.heredocs.length === 0 ? {} : { documents: ins.heredocs.map((h) => ({ name: h.name, content: h.content })) }),
      dest: ins.dest,
      workdir: state.config.WorkingDir && state.config.WorkingDir !== '' ? state.config.WorkingDir : '/',
      ...(from === undefined ? { ignore: this.request.context.ignore } : {}),
      ...(ins.kind === 'ADD' ? { fetch: fetchRemote } : {}),
      // An image's files never change: its digests are remembered by image ID.
      ...(sourceImage === undefined ? {} : { sourceKey: sourceImage }),
      ...(ins.chown === undefined || ins.chown === '' ? {} : { chown: ins.chown }),
      ...(ins.chmod === undefined ? {} : { chmod: ins.chmod }),
    };
    // COPY --from reads the image through a never-started container of its own (a private
    // snapshot: concurrent builds never share, or unmount, one mount), made only when needed.
    let source: string | undefined;
    const withSource = async <T>(use: (root: string) => Promise<T>): Promise<T> => {
      if (sourceImage === undefined) return use(this.request.context.root);
      source ??= (await containers.create({ image: sourceImage, entrypoint: [''], cmd: ['#(nop) COPY --from source'], healthcheck: { test: ['NONE'] } })).id;
      return containers.withRootfs(source, use);
    };
    try {
      const remembered = sourceImage === undefined ? undefined : await rememberedDigest(spec);
      const digest = remembered ?? (await withSource((root) => digestSources({ ...spec, sourceRoot: root, targetRoot: root })));
      const flags = copyFlags(spec);
      await this.cached(state, [ins.kind, flags, digest, ins.dest, state.config], async (parent) => {
        const pendingCreatedBy: { text?: string } = {};
        const placeholder = nopCommentString(state.config, `${ins.kind} ${flags}${digest} in ${ins.dest} `);
        return this.inContainer(state, parent, { cmd: placeholder.split(' '), env: [], createdBy: () => pendingCreatedBy.text ?? placeholder }, async (id) => {
          const result = await withSource((sourceRoot) =>
            containers.withRootfs(id, (root) => copySources({ ...spec, sourceRoot, targetRoot: root })),
          );
          pendingCreatedBy.text = nopCommentString(state.config, `${ins.kind} ${result.createdBy}`);
        });
      });
    } finally {
      if (source !== undefined) await containers.remove(source, { force: true });
    }
  }

  /**
   * Makes a container from the step's parent (a blank image for `FROM scratch`), lets
   * `work` run or write in it, commits its changes as the step's image, and removes it
   * (after a failure only with force-rm, as Docker).
   */
  private async inContainer(
    state: StageState,
    parent: Digest | undefined,
    step: { cmd: string[]; env: string[]; createdBy: string | (() => string); mounts?: MountRequest[]; networkMode?: string },
    work: (id: string) => Promise<void>,
  ): Promise<ImageRecord> {
    const image = parent ?? (await this.blankBase(state));
    const { containers } = this.engine;
    const { config } = state;
    const { id } = await containers.create({
      image,
      entrypoint: [''],
      cmd: step.cmd,
      env: [...(config.Env ?? []), ...step.env],
      ...(config.WorkingDir ? { workingDir: config.WorkingDir } : {}),
      ...(config.User ? { user: config.User } : {}),
      healthcheck: { test: ['NONE'] },
      ...(this.request.resources === undefined ? {} : { resources: this.request.resources }),
      ...(this.request.networkMode === 'host' || this.request.networkMode === 'none' ? { networkMode: this.request.networkMode } : {}),
      ...(step.networkMode === undefined ? {} : { networkMode: step.networkMode }),
      ...(step.mounts === undefined || step.mounts.length === 0 ? {} : { mounts: step.mounts }),
    });
    let ok = false;
    try {
      await work(id);
      const createdBy = typeof step.createdBy === 'string' ? step.createdBy : step.createdBy();
      const record = await this.engine.commit(id, {
        config: state.config,
        createdBy,
        intermediate: true,
        ...(state.maintainer === undefined ? {} : { author: state.maintainer }),
      });
      ok = true;
      return record;
    } finally {
      if (ok ? this.request.remove : this.request.forceRemove) {
        await containers.remove(id, { force: true });
        if (ok) this.out.stream(` ---> Removed intermediate container ${short(id)}\n`);
      }
    }
  }

  /** An image with no layers and no history: what a container of a `FROM scratch` step starts from. */
  private async blankBase(state: StageState): Promise<Digest> {
    // A fixed creation time: the same blank image every time, not one more per build.
    const blank = await this.engine.images.create({ config: {}, platform: state.platform, intermediate: true, created: '1970-01-01T00:00:00Z' });
    return blank.id;
  }
}

/** A heredoc script in a directory of its own on the host, to be bind-mounted read-only at SCRIPT_DIR. */
async function writeScript(script: { name: string; content: string }): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/berth-run-`);
  try {
    await chmod(dir, 0o755);
    await writeFile(`${dir}/${script.name}`, script.content, { mode: 0o755 });
    await chmod(`${dir}/${script.name}`, 0o755);
    return dir;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
