import type { Platform } from '../../oci/index.js';
import { invalidArgument } from '../../lib/index.js';
import type { ArgDecl, Directives, FromInstruction, Instruction, LineRange } from './ast.js';
import { DockerfileError, dockerfileError } from './errors.js';
import { expand } from './expand.js';
import { parseInstruction } from './instructions.js';
import { lex } from './lexer.js';
import { platformArgNames, platformArgs } from './platform-args.js';

export interface ParseOptions {
  /** Name used in error messages; `Dockerfile` by default. */
  file?: string;
  /** `--build-arg` values. */
  buildArgs?: Readonly<Record<string, string>>;
  /** Target platform (`--platform`); the build platform by default. */
  platform?: Platform | string;
  /** Platform the build runs on; the host by default. */
  buildPlatform?: Platform | string;
}

/** A global ARG (before the first FROM) and the value it resolved to. */
export interface MetaArg extends ArgDecl {
  value?: string;
  range: LineRange;
}

/** Something a stage needs before it can be built. */
export type StageDependency =
  | { kind: 'stage'; index: number; line: number }
  | { kind: 'image'; ref: string; line: number };

export interface Stage {
  index: number;
  name?: string;
  /** The FROM image after expansion with the global ARGs (or another stage's name). */
  base: string;
  /** Set when `base` names an earlier stage. */
  baseStage?: number;
  /** `--platform` after expansion with the global ARGs. */
  platform?: string;
  from: FromInstruction;
  /** Instructions after FROM, unexpanded (see StageScope). */
  instructions: Instruction[];
  range: LineRange;
  /** The base (stage or image) first, then COPY --from and RUN --mount from= sources. */
  dependencies: StageDependency[];
}

export interface Dockerfile {
  file: string;
  directives: Directives;
  metaArgs: MetaArg[];
  stages: Stage[];
  /** Resolved global scope: platform args and meta args (what FROM lines see). */
  globalScope: ReadonlyMap<string, string | undefined>;
  platformArgs: Readonly<Record<string, string>>;
  buildArgs: Readonly<Record<string, string>>;
}

const wrap = (file: string, line: number, fn: () => string): string => {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DockerfileError) throw err;
    throw new DockerfileError(file, line, err instanceof Error ? err.message : String(err));
  }
};

const has = (r: Readonly<Record<string, string>>, k: string): boolean => Object.prototype.hasOwnProperty.call(r, k);

/** Finds a stage by name (case-insensitive) or by its index written in decimal. */
export function findStage(dockerfile: Dockerfile, ref: string): Stage | undefined {
  if (/^\d+$/.test(ref)) return dockerfile.stages[Number(ref)];
  const name = ref.toLowerCase();
  return dockerfile.stages.find((s) => s.name === name);
}

/** The stage `--target` names, or the last stage when no target is given. */
export function targetStage(dockerfile: Dockerfile, target?: string): Stage {
  if (target === undefined || target === '') {
    const last = dockerfile.stages[dockerfile.stages.length - 1];
    if (!last) throw invalidArgument(`${dockerfile.file}: no build stage`);
    return last;
  }
  const stage = dockerfile.stages.find((s) => s.name === target.toLowerCase());
  if (!stage) throw invalidArgument(`${dockerfile.file}: target stage ${JSON.stringify(target)} could not be found`);
  return stage;
}

/** The stages a target needs (itself included), in file order; the others can be skipped. */
export function stagesNeeded(dockerfile: Dockerfile, target?: string): Stage[] {
  const wanted = new Set<number>();
  const visit = (index: number): void => {
    if (wanted.has(index)) return;
    wanted.add(index);
    for (const d of dockerfile.stages[index]?.dependencies ?? []) if (d.kind === 'stage') visit(d.index);
  };
  visit(targetStage(dockerfile, target).index);
  return dockerfile.stages.filter((s) => wanted.has(s.index));
}

/** `from=` inside a raw `--mount` value, if any. */
function mountFrom(mount: string): string | undefined {
  for (const field of mount.split(',')) {
    const eq = field.indexOf('=');
    if (eq > 0 && field.slice(0, eq).trim().toLowerCase() === 'from') return field.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Parses a Dockerfile into directives, global ARGs and stages. Everything that can be
 * judged from the text alone is checked here (syntax, flags, JSON, FROM first, stage
 * names, references to stages that come later); what depends on the base image's
 * environment (expansion of stage instructions) happens in StageScope at build time.
 */
export function parseDockerfile(text: string, options: ParseOptions = {}): Dockerfile {
  const file = options.file ?? 'Dockerfile';
  const buildArgs = options.buildArgs ?? {};
  const { directives, lines } = lex(text, file);
  const ctx = { file, escape: directives.escape };
  const instructions = lines.map((line) => parseInstruction(line, ctx));

  const pArgs = platformArgs(options.platform, options.buildPlatform);
  const global = new Map<string, string | undefined>(Object.entries(pArgs));
  const metaArgs: MetaArg[] = [];
  const stages: Stage[] = [];
  const word = (line: number, s: string, scope: ReadonlyMap<string, string | undefined>): string =>
    wrap(file, line, () => expand(s, definedOnly(scope), { escape: directives.escape }));

  let current: Stage | undefined;
  for (const ins of instructions) {
    const line = ins.range.start;
    if (ins.kind === 'FROM') {
      const base = word(line, ins.image, global);
      if (base === '') throw dockerfileError({ file, line }, `FROM ${ins.image}: the base image name expands to an empty string`);
      if (ins.name !== undefined) {
        const dup = stages.find((s) => s.name === ins.name);
        if (dup) throw dockerfileError({ file, line }, `duplicate stage name ${JSON.stringify(ins.name)}, first defined on line ${dup.range.start}`);
      }
      const stage: Stage = { index: stages.length, base, from: ins, instructions: [], range: { ...ins.range }, dependencies: [] };
      if (ins.name !== undefined) stage.name = ins.name;
      if (ins.platform !== undefined) stage.platform = word(line, ins.platform, global);
      const earlier = stages.find((s) => s.name === base.toLowerCase());
      if (earlier) {
        stage.baseStage = earlier.index;
        stage.dependencies.push({ kind: 'stage', index: earlier.index, line });
      } else if (base.toLowerCase() !== 'scratch') {
        stage.dependencies.push({ kind: 'image', ref: base, line });
      }
      stages.push(stage);
      current = stage;
      continue;
    }
    if (!current) {
      if (ins.kind !== 'ARG') {
        throw dockerfileError({ file, line }, `${ins.kind} before the first FROM: only ARG instructions and comments may come first`);
      }
      for (const a of ins.args) {
        let value: string | undefined;
        if (platformArgNames.has(a.name)) value = pArgs[a.name];
        else if (has(buildArgs, a.name)) value = buildArgs[a.name];
        else if (a.default !== undefined) value = word(line, a.default, global);
        global.set(a.name, value);
        const meta: MetaArg = { ...a, range: ins.range };
        if (value !== undefined) meta.value = value;
        metaArgs.push(meta);
      }
      continue;
    }
    current.instructions.push(ins);
    current.range.end = ins.range.end;
  }
  if (stages.length === 0) throw dockerfileError({ file, line: Math.max(1, lines[lines.length - 1]?.range.end ?? 1) }, 'the Dockerfile has no FROM instruction');

  for (const stage of stages) addReferences(stage, stages, { file, escape: directives.escape, buildArgs, global, pArgs });
  return { file, directives, metaArgs, stages, globalScope: global, platformArgs: pArgs, buildArgs };
}

function definedOnly(scope: ReadonlyMap<string, string | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of scope) if (v !== undefined) out.set(k, v);
  return out;
}

interface RefContext {
  file: string;
  escape: string;
  buildArgs: Readonly<Record<string, string>>;
  global: ReadonlyMap<string, string | undefined>;
  pArgs: Readonly<Record<string, string>>;
}

/**
 * Records COPY --from and RUN --mount from= references. Values are expanded with the
 * stage's ARGs (the base image's ENV is not known yet). A stage may only use stages
 * defined before it: a name or index of the current or a later stage is an error; a name
 * that is no stage at all is an image.
 */
function addReferences(stage: Stage, stages: readonly Stage[], rc: RefContext): void {
  const args = new Map<string, string | undefined>();
  const expandRef = (line: number, raw: string): string =>
    wrap(rc.file, line, () => expand(raw, definedOnly(args), { escape: rc.escape }));
  const refer = (line: number, what: string, raw: string): void => {
    const ref = expandRef(line, raw);
    if (ref === '') throw dockerfileError({ file: rc.file, line }, `${what}: empty stage or image name`);
    if (/^\d+$/.test(ref)) {
      const index = Number(ref);
      if (index >= stage.index) {
        throw dockerfileError({ file: rc.file, line }, `${what}=${ref}: stage ${index} is not defined before this stage (stage ${stage.index})`);
      }
      stage.dependencies.push({ kind: 'stage', index, line });
      return;
    }
    const named = stages.find((s) => s.name === ref.toLowerCase());
    if (named && named.index >= stage.index) {
      throw dockerfileError({ file: rc.file, line }, `${what}=${ref}: stage ${JSON.stringify(named.name)} is defined on line ${named.range.start}, after this use; a stage can only use stages defined before it`);
    }
    stage.dependencies.push(named ? { kind: 'stage', index: named.index, line } : { kind: 'image', ref, line });
  };
  for (const ins of stage.instructions) {
    const line = ins.range.start;
    if (ins.kind === 'ARG') {
      for (const a of ins.args) {
        let value: string | undefined;
        if (platformArgNames.has(a.name)) value = rc.pArgs[a.name];
        else if (has(rc.buildArgs, a.name)) value = rc.buildArgs[a.name];
        else if (a.default !== undefined) value = expandRef(line, a.default);
        else value = rc.global.get(a.name);
        args.set(a.name, value);
      }
    } else if (ins.kind === 'COPY' && ins.from !== undefined) {
      refer(line, 'COPY --from', ins.from);
    } else if (ins.kind === 'RUN') {
      for (const m of ins.mounts) {
        const from = mountFrom(m);
        if (from !== undefined) refer(line, 'RUN --mount from', from);
      }
    }
  }
}
