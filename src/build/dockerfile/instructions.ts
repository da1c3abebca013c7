import type { Command, Heredoc, HealthcheckOptions, Instruction, KeyValue, ArgDecl } from './ast.js';
import { parseDuration } from './duration.js';
import { dockerfileError, type Site } from './errors.js';
import { takeFlags, type FlagSpec, type Flags } from './flags.js';
import type { LogicalLine } from './lexer.js';
import { parseJsonArray, splitWords } from './words.js';

export interface InstructionContext {
  file: string;
  escape: string;
}

const noFlags: FlagSpec = {};
const flagSpecs: Readonly<Record<string, FlagSpec>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'list', network: 'string', security: 'string' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'list' },
  ADD: {
    chown: 'string',
    chmod: 'string',
    checksum: 'string',
    link: 'bool',
    'keep-git-dir': 'bool',
    exclude: 'list',
  },
  HEALTHCHECK: {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  },
};

const knownKeywords = new Set([
  'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'ENV', 'ARG', 'LABEL', 'EXPOSE', 'COPY', 'ADD',
  'WORKDIR', 'USER', 'VOLUME', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER',
]);
const forbiddenTriggers = new Set(['FROM', 'MAINTAINER']);
const stageNamePattern = /^[a-zA-Z][a-zA-Z0-9_.-]*$/;
const heredocSourcePattern = /^\d*<<-?[^<]+$/;

interface Req {
  keyword: string;
  rest: string;
  flags: Flags;
  site: Site;
  ctx: InstructionContext;
  line: LogicalLine;
}

function requireArgs(req: Req, what = 'at least one argument'): void {
  if (req.rest === '') throw dockerfileError(req.site, `${req.keyword} requires ${what}`);
}

/** JSON (exec) form when the text is a JSON string array, shell form otherwise. */
function command(req: Req, text: string): Command {
  const parsed = parseJsonArray(text);
  if (parsed.json === 'not-strings') {
    throw dockerfileError(req.site, `${req.keyword}: a JSON array must hold strings only`);
  }
  return parsed.json ? { form: 'exec', args: parsed.values } : { form: 'shell', script: text };
}

/** JSON array or whitespace-separated words (COPY, ADD, VOLUME). */
function list(req: Req): { values: string[]; json: boolean } {
  const parsed = parseJsonArray(req.rest);
  if (parsed.json === 'not-strings') {
    throw dockerfileError(req.site, `${req.keyword}: a JSON array must hold strings only`);
  }
  if (parsed.json) return { values: parsed.values, json: true };
  return { values: splitWords(req.rest, req.ctx.escape), json: false };
}

/** `k=v k2="v 2"`, or the legacy `k v with spaces` (one pair, value is the rest). */
function keyValues(req: Req): KeyValue[] {
  requireArgs(req);
  const words = splitWords(req.rest, req.ctx.escape);
  const first = words[0] ?? '';
  if (!first.includes('=')) {
    const value = req.rest.slice(first.length).trim();
    if (value === '') throw dockerfileError(req.site, `${req.keyword} ${first}: missing value (use ${first}=value)`);
    return [{ key: first, value }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) {
      throw dockerfileError(req.site, `${req.keyword}: can't find = in ${JSON.stringify(word)}; write name=value`);
    }
    if (eq === 0) throw dockerfileError(req.site, `${req.keyword}: names can not be blank`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

function copyArgs(req: Req): { sources: string[]; dest: string; json: boolean; heredocs: Heredoc[] } {
  requireArgs(req, 'at least two arguments: a source and a destination');
  const { values, json } = list(req);
  if (values.length < 2) {
    throw dockerfileError(req.site, `${req.keyword} requires at least two arguments: a source and a destination`);
  }
  const dest = values[values.length - 1] ?? '';
  if (!json && heredocSourcePattern.test(dest)) throw dockerfileError(req.site, `${req.keyword} cannot accept a heredoc as a destination`);
  const sources = values.slice(0, -1).filter((v) => json || !heredocSourcePattern.test(v));
  return { sources, dest, json, heredocs: req.line.heredocs };
}

function durationFlag(req: Req, name: string): number | undefined {
  const raw = req.flags.string(name);
  if (raw === undefined) return undefined;
  const ns = parseDuration(raw);
  if (ns === undefined) throw dockerfileError(req.site, `HEALTHCHECK --${name}: invalid duration ${JSON.stringify(raw)}`);
  if (ns !== 0 && ns < 1e6) throw dockerfileError(req.site, `HEALTHCHECK --${name} cannot be less than 1ms`);
  return ns;
}

function healthcheckOptions(req: Req): HealthcheckOptions {
  const options: HealthcheckOptions = {};
  const interval = durationFlag(req, 'interval');
  const timeout = durationFlag(req, 'timeout');
  const startPeriod = durationFlag(req, 'start-period');
  const startInterval = durationFlag(req, 'start-interval');
  if (interval !== undefined) options.interval = interval;
  if (timeout !== undefined) options.timeout = timeout;
  if (startPeriod !== undefined) options.startPeriod = startPeriod;
  if (startInterval !== undefined) options.startInterval = startInterval;
  const retries = req.flags.string('retries');
  if (retries !== undefined) {
    if (!/^-?\d+$/.test(retries)) throw dockerfileError(req.site, `HEALTHCHECK --retries: not an integer: ${JSON.stringify(retries)}`);
    const n = Number(retries);
    if (n < 0) throw dockerfileError(req.site, 'HEALTHCHECK --retries cannot be negative');
    options.retries = n;
  }
  return options;
}

function build(req: Req): Instruction {
  const base = { range: req.line.range, original: req.line.original };
  const { rest, site, keyword, flags } = req;
  switch (keyword) {
    case 'FROM': {
      requireArgs(req);
      const words = splitWords(rest, req.ctx.escape);
      const hasName = words.length === 3 && (words[1] ?? '').toLowerCase() === 'as';
      if (words.length !== 1 && !hasName) {
        throw dockerfileError(site, 'FROM requires either one or three arguments: FROM [--platform=…] image [AS name]');
      }
      const out: Instruction = { kind: 'FROM', ...base, image: words[0] ?? '' };
      if (hasName) {
        const name = words[2] ?? '';
        if (!stageNamePattern.test(name)) {
          throw dockerfileError(site, `invalid stage name ${JSON.stringify(name)}: it must start with a letter and hold only letters, digits, '_', '-' and '.'`);
        }
        out.name = name.toLowerCase();
      }
      const platform = flags.string('platform');
      if (platform !== undefined) out.platform = platform;
      return out;
    }
    case 'RUN': {
      requireArgs(req);
      const out: Instruction = { kind: 'RUN', ...base, command: command(req, rest), mounts: flags.list('mount'), heredocs: req.line.heredocs };
      const network = flags.string('network');
      const security = flags.string('security');
      if (network !== undefined) out.network = network;
      if (security !== undefined) out.security = security;
      return out;
    }
    case 'CMD':
    case 'ENTRYPOINT':
      requireArgs(req);
      return { kind: keyword, ...base, command: command(req, rest) };
    case 'SHELL': {
      requireArgs(req);
      const parsed = parseJsonArray(rest);
      if (parsed.json !== true) throw dockerfileError(site, 'SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/sh", "-c"]');
      if (parsed.values.length === 0) throw dockerfileError(site, 'SHELL requires at least one argument');
      return { kind: 'SHELL', ...base, shell: parsed.values };
    }
    case 'ENV':
    case 'LABEL':
      return { kind: keyword, ...base, pairs: keyValues(req) };
    case 'ARG': {
      requireArgs(req);
      const args: ArgDecl[] = splitWords(rest, req.ctx.escape).map((word) => {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word : word.slice(0, eq);
        if (name === '') throw dockerfileError(site, 'ARG names can not be blank');
        return eq < 0 ? { name } : { name, default: word.slice(eq + 1) };
      });
      return { kind: 'ARG', ...base, args };
    }
    case 'EXPOSE':
      requireArgs(req);
      return { kind: 'EXPOSE', ...base, ports: splitWords(rest, req.ctx.escape) };
    case 'COPY': {
      const out: Instruction = {
        kind: 'COPY',
        ...base,
        ...copyArgs(req),
        link: flags.bool('link'),
        parents: flags.bool('parents'),
        exclude: flags.list('exclude'),
      };
      const from = flags.string('from');
      const chown = flags.string('chown');
      const chmod = flags.string('chmod');
      if (from !== undefined) out.from = from;
      if (chown !== undefined) out.chown = chown;
      if (chmod !== undefined) out.chmod = chmod;
      return out;
    }
    case 'ADD': {
      const out: Instruction = {
        kind: 'ADD',
        ...base,
        ...copyArgs(req),
        link: flags.bool('link'),
        keepGitDir: flags.bool('keep-git-dir'),
        exclude: flags.list('exclude'),
      };
      const chown = flags.string('chown');
      const chmod = flags.string('chmod');
      const checksum = flags.string('checksum');
      if (chown !== undefined) out.chown = chown;
      if (chmod !== undefined) out.chmod = chmod;
      if (checksum !== undefined) out.checksum = checksum;
      return out;
    }
    case 'WORKDIR':
      requireArgs(req, 'exactly one argument');
      return { kind: 'WORKDIR', ...base, path: rest };
    case 'USER':
      requireArgs(req, 'exactly one argument');
      return { kind: 'USER', ...base, user: rest };
    case 'STOPSIGNAL':
      requireArgs(req, 'exactly one argument');
      if (splitWords(rest, req.ctx.escape).length !== 1) throw dockerfileError(site, 'STOPSIGNAL requires exactly one argument');
      return { kind: 'STOPSIGNAL', ...base, signal: rest };
    case 'VOLUME': {
      requireArgs(req);
      const { values } = list(req);
      if (values.length === 0) throw dockerfileError(site, 'VOLUME requires at least one argument');
      if (values.some((v) => v.trim() === '')) throw dockerfileError(site, 'VOLUME paths can not be empty strings');
      return { kind: 'VOLUME', ...base, paths: values };
    }
    case 'HEALTHCHECK': {
      requireArgs(req);
      const [type = ''] = splitWords(rest, req.ctx.escape);
      const after = rest.slice(type.length).trim();
      const options = healthcheckOptions(req);
      if (type.toUpperCase() === 'NONE') {
        if (after !== '' || Object.keys(options).length > 0) throw dockerfileError(site, 'HEALTHCHECK NONE takes no arguments');
        return { kind: 'HEALTHCHECK', ...base, test: { type: 'none' }, options };
      }
      if (type.toUpperCase() !== 'CMD') throw dockerfileError(site, `unknown HEALTHCHECK type ${JSON.stringify(type)}: use CMD or NONE`);
      if (after === '') throw dockerfileError(site, 'HEALTHCHECK CMD requires a command');
      return { kind: 'HEALTHCHECK', ...base, test: { type: 'cmd', command: command(req, after) }, options };
    }
    case 'ONBUILD': {
      requireArgs(req);
      const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
      const triggerKeyword = (m?.[1] ?? '').toUpperCase();
      if (triggerKeyword === 'ONBUILD') throw dockerfileError(site, "chaining ONBUILD via 'ONBUILD ONBUILD' isn't allowed");
      if (forbiddenTriggers.has(triggerKeyword)) throw dockerfileError(site, `${triggerKeyword} isn't allowed as an ONBUILD trigger`);
      const trigger = parseInstruction(
        { keyword: m?.[1] ?? '', args: (m?.[2] ?? '').trim(), range: req.line.range, original: rest, heredocs: [] },
        req.ctx,
      );
      return { kind: 'ONBUILD', ...base, expression: rest, trigger };
    }
    case 'MAINTAINER':
      requireArgs(req);
      return { kind: 'MAINTAINER', ...base, maintainer: rest };
    default:
      throw dockerfileError(site, `unknown instruction: ${keyword}`);
  }
}

/** Parses one logical line into its typed node; errors point at the line's first line. */
export function parseInstruction(line: LogicalLine, ctx: InstructionContext): Instruction {
  const keyword = line.keyword.toUpperCase();
  const site: Site = { file: ctx.file, line: line.range.start };
  if (!knownKeywords.has(keyword)) throw dockerfileError(site, `unknown instruction: ${keyword}`);
  const spec = flagSpecs[keyword] ?? noFlags;
  const { flags, rest } = takeFlags(keyword, line.args, spec, ctx.escape, site);
  return build({ keyword, rest, flags, site, ctx, line });
}
