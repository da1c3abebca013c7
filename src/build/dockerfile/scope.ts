import type { Heredoc, Instruction } from './ast.js';
import { DockerfileError } from './errors.js';
import { expand, expandHeredoc, expandWords } from './expand.js';
import { platformArgNames, proxyArgNames } from './platform-args.js';

export interface ScopeOptions {
  file: string;
  escape: string;
  /** `--build-arg` values. */
  buildArgs: Readonly<Record<string, string>>;
  /** Global ARGs (declared before the first FROM) with their resolved values. */
  metaArgs: ReadonlyMap<string, string | undefined>;
  /** Values of TARGETPLATFORM and friends. */
  platformArgs: Readonly<Record<string, string>>;
  /** The base image's `Env`, already split into names and values. */
  baseEnv?: Readonly<Record<string, string>>;
}

const has = (r: Readonly<Record<string, string>>, k: string): boolean => Object.prototype.hasOwnProperty.call(r, k);

/**
 * The variables of one stage while it is built, instruction by instruction. ARG and ENV
 * change the scope; every other instruction only reads it. ENV (including the base
 * image's) always wins over an ARG of the same name. RUN, CMD, ENTRYPOINT, SHELL,
 * HEALTHCHECK and ONBUILD are not expanded: the shell (or the image that triggers
 * ONBUILD) does that.
 */
export class StageScope {
  private readonly args = new Map<string, string | undefined>();
  private readonly env = new Map<string, string>();

  constructor(private readonly options: ScopeOptions) {
    for (const [k, v] of Object.entries(options.baseEnv ?? {})) this.env.set(k, v);
  }

  /** What `$NAME` sees in an expanded instruction. */
  variables(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of this.args) if (v !== undefined) out.set(k, v);
    for (const [k, v] of this.env) out.set(k, v);
    return out;
  }

  /** The environment a RUN step gets: ENV, declared ARGs with values, and proxy build args. */
  runEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.buildArgs)) if (proxyArgNames.has(k)) out[k] = v;
    for (const [k, v] of this.args) if (v !== undefined) out[k] = v;
    for (const [k, v] of this.env) out[k] = v;
    return out;
  }

  /** Names of declared ARGs (to tell which `--build-arg`s were consumed). */
  declaredArgs(): string[] {
    return [...this.args.keys()];
  }

  /** Expands `instruction` against the current scope and then applies it (ARG, ENV). */
  apply<T extends Instruction>(instruction: T): T {
    try {
      const out = this.expandInstruction(instruction);
      if (out.kind === 'ENV') for (const p of out.pairs) this.env.set(p.key, p.value);
      return out;
    } catch (err) {
      if (err instanceof DockerfileError) throw err;
      throw new DockerfileError(this.options.file, instruction.range.start, err instanceof Error ? err.message : String(err));
    }
  }

  private word(text: string): string {
    return expand(text, this.variables(), { escape: this.options.escape });
  }

  private heredocs(docs: readonly Heredoc[]): Heredoc[] {
    return docs.map((d) => (d.expand ? { ...d, content: this.expandHeredoc(d.content) } : d));
  }

  private expandHeredoc(content: string): string {
    return expandHeredoc(content, this.variables(), { escape: this.options.escape });
  }

  private resolveArg(name: string, fallback: string | undefined): string | undefined {
    const { buildArgs, platformArgs, metaArgs } = this.options;
    if (platformArgNames.has(name)) return platformArgs[name];
    if (has(buildArgs, name)) return buildArgs[name];
    if (fallback !== undefined) return this.word(fallback);
    return metaArgs.get(name);
  }

  private expandInstruction<T extends Instruction>(i: T): T {
    const opt = <V>(v: V | undefined, f: (x: V) => V): V | undefined => (v === undefined ? undefined : f(v));
    const w = (s: string): string => this.word(s);
    // Each case rebuilds a node of the same kind; the cast restores the generic type.
    switch (i.kind) {
      case 'ARG':
        for (const a of i.args) this.args.set(a.name, this.resolveArg(a.name, a.default));
        return i;
      case 'ENV':
      case 'LABEL':
        return { ...i, pairs: i.pairs.map((p) => ({ key: w(p.key), value: w(p.value) })) } as T;
      case 'EXPOSE':
        return { ...i, ports: expandWords(i.ports, this.variables(), { escape: this.options.escape }) } as T;
      case 'COPY':
      case 'ADD': {
        const out = {
          ...i,
          sources: i.sources.map(w),
          dest: w(i.dest),
          chown: opt(i.chown, w),
          chmod: opt(i.chmod, w),
          exclude: i.exclude.map(w),
          heredocs: this.heredocs(i.heredocs),
        };
        if (out.kind === 'COPY' && out.from !== undefined) out.from = w(out.from);
        if (out.chown === undefined) delete out.chown;
        if (out.chmod === undefined) delete out.chmod;
        return out as T;
      }
      case 'WORKDIR':
        return { ...i, path: w(i.path) } as T;
      case 'USER':
        return { ...i, user: w(i.user) } as T;
      case 'VOLUME':
        return { ...i, paths: i.paths.map(w) } as T;
      case 'STOPSIGNAL':
        return { ...i, signal: w(i.signal) } as T;
      case 'FROM':
        return { ...i, image: w(i.image), ...(i.platform !== undefined ? { platform: w(i.platform) } : {}) } as T;
      default:
        return i;
    }
  }
}
