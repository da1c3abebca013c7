import { parseArgs, type ParseArgsConfig } from 'node:util';
import { invalidArgument } from '../lib/index.js';
import type { GlobalOptions } from './context.js';
import { commandVerbs } from './run-options.js';

type Options = NonNullable<ParseArgsConfig['options']>;

type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true; args: string[] }>>['values'];

/** Parses one verb's flags; an unknown flag or missing value is a usage error. */
export function parseVerbArgs<O extends Options>(verb: string, args: string[], options: O): { values: Values<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    throw invalidArgument(`${verb}: ${(err as Error).message}`);
  }
}

/**
 * Parses flags up to the first positional and keeps everything from there untouched, as
 * docker's `run IMAGE CMD…` and `exec CONTAINER CMD…` do: `berth run img sh -c 'ls -l'`.
 */
export function parseCommandArgs<O extends Options>(verb: string, args: string[], options: O): { values: Values<O>; positionals: string[] } {
  const { flags, positionals } = splitAtPositional(args, options);
  return { values: parseVerbArgs(verb, flags, options).values, positionals };
}

/**
 * Splits `args` where the first positional stands. Flags before it are rewritten as
 * `--long=value`, so that a value starting with a dash (`--memory-swap -1`) stays a value.
 * Unknown flags pass through for parseArgs to refuse.
 */
export function splitAtPositional(args: string[], options: Options): { flags: string[]; positionals: string[] } {
  const flags: string[] = [];
  const byShort = new Map<string, string>();
  for (const [long, spec] of Object.entries(options)) if (spec.short) byShort.set(spec.short, long);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') return { flags, positionals: args.slice(i + 1) };
    if (arg === '-' || !arg.startsWith('-')) return { flags, positionals: args.slice(i) };
    if (arg.startsWith('--')) {
      const name = arg.slice(2);
      const next = args[i + 1];
      if (!name.includes('=') && options[name]?.type === 'string' && next !== undefined) {
        flags.push(`--${name}=${next}`);
        i++;
      } else flags.push(arg);
      continue;
    }
    // A cluster of short flags: -it, -e FOO=1, -eFOO=1, -ite FOO=1.
    for (let j = 1; j < arg.length; j++) {
      const short = arg[j] ?? '';
      const long = byShort.get(short);
      if (!long) {
        flags.push(`-${short}`);
        continue;
      }
      if (options[long]?.type !== 'string') {
        flags.push(`--${long}`);
        continue;
      }
      const inline = arg.slice(j + 1);
      const value = inline !== '' ? inline : args[++i];
      flags.push(value === undefined ? `--${long}` : `--${long}=${value}`);
      break;
    }
  }
  return { flags, positionals: [] };
}

const globalFlags: Record<string, keyof GlobalOptions> = { '--root': 'root', '--run': 'run', '--host': 'host', '-H': 'host' };

/**
 * Takes the global flags out wherever they stand, so `berth images --root X` works too —
 * except after `--`, and after the first positional of a verb that ends in a command line
 * (run, create, exec): `berth run img sh -c 'x --root y'` keeps its arguments intact.
 */
export function extractGlobals(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = {};
  const rest: string[] = [];
  let verb: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    const key = globalFlags[flag];
    if (key) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw invalidArgument(`flag ${flag} needs a value`);
      globals[key] = value;
      continue;
    }
    rest.push(arg);
    if (verb === undefined) {
      verb = arg;
      continue;
    }
    const options = commandVerbs[verb];
    if (!options) continue;
    if (arg === '-' || !arg.startsWith('-')) {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (takesSeparateValue(arg, options) && i + 1 < argv.length) rest.push(argv[++i] ?? '');
  }
  return { globals, rest };
}

/** Whether a flag of `options` reads its value from the next argument (`-e X`, `--name X`, `-ite X`). */
function takesSeparateValue(arg: string, options: Options): boolean {
  if (arg.startsWith('--')) return !arg.includes('=') && options[arg.slice(2)]?.type === 'string';
  for (let j = 1; j < arg.length; j++) {
    const spec = Object.values(options).find((o) => o.short === arg[j]);
    if (spec?.type === 'string') return j === arg.length - 1;
  }
  return false;
}
