import { parseArgs, type ParseArgsConfig } from 'node:util';
import { invalidArgument } from '../lib/index.js';
import type { GlobalOptions } from './context.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one verb's flags; an unknown flag or missing value is a usage error. */
export function parseVerbArgs<O extends Options>(
  verb: string,
  args: string[],
  options: O,
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true; args: string[] }>>['values']; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    throw invalidArgument(`${verb}: ${(err as Error).message}`);
  }
}

const globalFlags: Record<string, keyof GlobalOptions> = { '--root': 'root', '--run': 'run', '--host': 'host', '-H': 'host' };

/** Takes the global flags out wherever they stand, so `berth images --root X` works too. */
export function extractGlobals(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    const key = globalFlags[flag];
    if (!key) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw invalidArgument(`flag ${flag} needs a value`);
    globals[key] = value;
  }
  return { globals, rest };
}
