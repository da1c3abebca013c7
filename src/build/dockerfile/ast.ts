/** Lines are 1-based and inclusive; `end` covers continuation lines and heredoc bodies. */
export interface LineRange {
  start: number;
  end: number;
}

/** Parser directives found at the top of the file (`# syntax=`, `# escape=`, `# check=`). */
export interface Directives {
  syntax?: string;
  escape: '\\' | '`';
  check?: string;
}

/** An inline document (`<<EOF` … `EOF`). */
export interface Heredoc {
  name: string;
  /** Body, each line ending in `\n`; leading tabs already removed for `<<-`. */
  content: string;
  /** False when the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  /** True for `<<-`. */
  chomp: boolean;
  /** The file descriptor in `3<<EOF` (RUN only); undefined means stdin. */
  fd?: number;
}

/** Exec form (`["a","b"]`) runs argv directly; shell form runs through SHELL. */
export type Command = { form: 'exec'; args: string[] } | { form: 'shell'; script: string };

/** A `key=value` pair as written (value not yet expanded; quotes still in place). */
export interface KeyValue {
  key: string;
  value: string;
}

export interface ArgDecl {
  name: string;
  /** Raw default (quotes in place), undefined for `ARG NAME`. */
  default?: string;
}

interface Base {
  range: LineRange;
  /** The logical line as written, continuations joined (heredoc bodies excluded). */
  original: string;
}

export interface FromInstruction extends Base {
  kind: 'FROM';
  image: string;
  /** Lower-cased stage name from `AS name`. */
  name?: string;
  platform?: string;
}

export interface RunInstruction extends Base {
  kind: 'RUN';
  command: Command;
  /** `--mount=` values, kept raw for the builder. */
  mounts: string[];
  network?: string;
  security?: string;
  heredocs: Heredoc[];
}

export interface CmdInstruction extends Base {
  kind: 'CMD';
  command: Command;
}

export interface EntrypointInstruction extends Base {
  kind: 'ENTRYPOINT';
  command: Command;
}

export interface ShellInstruction extends Base {
  kind: 'SHELL';
  shell: string[];
}

export interface EnvInstruction extends Base {
  kind: 'ENV';
  pairs: KeyValue[];
}

export interface ArgInstruction extends Base {
  kind: 'ARG';
  args: ArgDecl[];
}

export interface LabelInstruction extends Base {
  kind: 'LABEL';
  pairs: KeyValue[];
}

export interface ExposeInstruction extends Base {
  kind: 'EXPOSE';
  ports: string[];
}

export interface CopyInstruction extends Base {
  kind: 'COPY';
  /** Source paths (heredoc sources are in `heredocs`, not here). */
  sources: string[];
  dest: string;
  /** True when written as a JSON array (no word splitting happened). */
  json: boolean;
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
  heredocs: Heredoc[];
}

export interface AddInstruction extends Base {
  kind: 'ADD';
  sources: string[];
  dest: string;
  json: boolean;
  chown?: string;
  chmod?: string;
  link: boolean;
  checksum?: string;
  keepGitDir: boolean;
  exclude: string[];
  heredocs: Heredoc[];
}

export interface WorkdirInstruction extends Base {
  kind: 'WORKDIR';
  path: string;
}

export interface UserInstruction extends Base {
  kind: 'USER';
  user: string;
}

export interface VolumeInstruction extends Base {
  kind: 'VOLUME';
  paths: string[];
}

export interface StopsignalInstruction extends Base {
  kind: 'STOPSIGNAL';
  signal: string;
}

/** Durations are nanoseconds (as the image config stores them); an omitted option stays
 * undefined so the base image's value or the runtime default applies. */
export interface HealthcheckOptions {
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface HealthcheckInstruction extends Base {
  kind: 'HEALTHCHECK';
  /** `none` disables a check inherited from the base image. */
  test: { type: 'none' } | { type: 'cmd'; command: Command };
  options: HealthcheckOptions;
}

export interface OnbuildInstruction extends Base {
  kind: 'ONBUILD';
  /** The trigger text stored in the image config (`OnBuild`). */
  expression: string;
  trigger: Instruction;
}

export interface MaintainerInstruction extends Base {
  kind: 'MAINTAINER';
  maintainer: string;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | EnvInstruction
  | ArgInstruction
  | LabelInstruction
  | ExposeInstruction
  | CopyInstruction
  | AddInstruction
  | WorkdirInstruction
  | UserInstruction
  | VolumeInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

export type InstructionKind = Instruction['kind'];
