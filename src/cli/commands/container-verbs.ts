import type { CommandContext } from '../context.js';

export type Verb = (ctx: CommandContext) => Promise<number | void>;

/** The container verbs, each loaded only when it runs; shared by `berth VERB` and `berth container VERB`. */
export const containerVerbs: Record<string, () => Promise<Verb>> = {
  run: async () => (await import('./run.js')).runContainer,
  create: async () => (await import('./run.js')).createContainerVerb,
  start: async () => (await import('./run.js')).startContainers,
  exec: async () => (await import('./exec.js')).execInContainer,
  logs: async () => (await import('./logs.js')).containerLogs,
  ps: async () => (await import('./containers.js')).listContainers,
  stop: async () => (await import('./containers.js')).stopContainers,
  kill: async () => (await import('./containers.js')).killContainers,
  restart: async () => (await import('./containers.js')).restartContainers,
  rm: async () => (await import('./containers.js')).removeContainers,
  rename: async () => (await import('./containers.js')).renameContainer,
  pause: async () => (await import('./containers.js')).pauseContainers,
  unpause: async () => (await import('./containers.js')).unpauseContainers,
  wait: async () => (await import('./containers.js')).waitContainers,
  top: async () => (await import('./containers.js')).topContainer,
  stats: async () => (await import('./stats.js')).containerStats,
  cp: async () => (await import('./cp.js')).copyFiles,
};

const aliases: Record<string, string> = { ls: 'ps', list: 'ps', remove: 'rm' };

/** `berth container SUBCOMMAND …` (as `docker container …`). */
export async function containerCommand(ctx: CommandContext): Promise<number | void> {
  const [sub = '', ...args] = ctx.args;
  const name = aliases[sub] ?? sub;
  if (name === 'inspect') return (await import('./containers.js')).inspectObjects({ ...ctx, args: ['--type', 'container', ...args] });
  const load = containerVerbs[name];
  if (!load) {
    const { invalidArgument } = await import('../../lib/index.js');
    throw invalidArgument(`unknown container command ${JSON.stringify(sub)}: use ${[...Object.keys(containerVerbs), 'inspect', 'ls'].sort().join(', ')}`);
  }
  return (await load())({ ...ctx, args });
}
