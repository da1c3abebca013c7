import { BerthError, errorKind, exitCodeOf } from '../lib/errors.js';
import { extractGlobals } from './args.js';
import { connect, type CommandContext } from './context.js';

type Verb = (ctx: CommandContext) => Promise<number | void>;

/** Each verb's module is imported only when that verb runs, to keep start-up lean. */
const verbs: Record<string, () => Promise<Verb>> = {
  images: async () => (await import('./commands/images.js')).listImages,
  image: async () => (await import('./commands/images.js')).imageCommand,
  import: async () => (await import('./commands/images.js')).importImage,
  tag: async () => (await import('./commands/images.js')).tagImage,
  rmi: async () => (await import('./commands/images.js')).removeImages,
  save: async () => (await import('./commands/images.js')).saveImages,
  load: async () => (await import('./commands/images.js')).loadImages,
  inspect: async () => (await import('./commands/images.js')).inspectImages,
  daemon: async () => (await import('./commands/system.js')).daemon,
  version: async () => (await import('./commands/system.js')).version,
  info: async () => (await import('./commands/system.js')).info,
};

const usage = `Usage: berth [--root DIR] [--run DIR] [--host ADDR] COMMAND

Images:
  images                 List images (--format json, -q, -a)
  image import FILE [REF]  Create an image from a root filesystem tarball
  image inspect REF...   Show an image's details
  image rm REF...        Remove images (also: rmi)
  image prune            Remove dangling images (-a: every unused image)
  image save -o FILE REF...  Write images to a docker-archive (--format oci: OCI layout)
  image load -i FILE     Load images from a docker-archive or OCI layout tarball
  tag SOURCE TARGET      Give an image another name

Daemon:
  daemon                 Serve the Docker Engine API (default unix:///run/berth/docker.sock)
  version, info          Show versions and system facts
`;

export async function main(argv: string[]): Promise<number> {
  const closers: Array<() => Promise<void>> = [];
  try {
    const { globals, rest } = extractGlobals(argv);
    const [verb, ...args] = rest;
    if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
      process.stdout.write(usage);
      return verb ? 0 : 2;
    }
    const load = verbs[verb];
    if (!load) throw new BerthError('invalid-argument', `unknown command "${verb}" (see berth --help)`);
    let client: Promise<import('./client.js').ApiClient> | undefined;
    const ctx: CommandContext = {
      args,
      globals,
      out: (text) => void process.stdout.write(text),
      err: (text) => void process.stderr.write(text),
      client: () => (client ??= connect(globals, (close) => closers.push(close))),
    };
    const code = await (await load())(ctx);
    return code ?? 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`berth: ${message}\n`);
    return exitCodeOf(errorKind(err));
  } finally {
    for (const close of closers) await close();
  }
}
