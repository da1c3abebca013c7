import type { Command, Heredoc, RunInstruction } from '../dockerfile/index.js';
import { invalidArgument } from '../../lib/index.js';

/** Where a RUN heredoc that is a script (`#!` first line) is mounted, read-only, as BuildKit does. */
export const SCRIPT_DIR = '/dev/pipes';

/** What a RUN with heredocs runs: a shell-form command, and maybe a script file to mount. */
export interface HeredocRun {
  command: Command;
  /** An executable file (mode 0755) to mount at `${SCRIPT_DIR}/${name}`. */
  script?: { name: string; content: string };
}

const singleHeredoc = /^\d*<<-?(["']?)([^\s<"']+)\1$/;

/**
 * BuildKit's reading of `RUN` heredocs (dockerfile2llb dispatchRun). When the whole
 * command is one heredoc, its body is the command: run by the stage's shell, or, when it
 * starts with `#!`, written to a file that the shell executes (so its interpreter runs
 * it). Otherwise the command and the bodies are put back together as one shell script,
 * so the shell feeds each heredoc to stdin or its file descriptor (`<<-` and quoted
 * delimiters then mean what they mean to the shell). The Dockerfile never expands a
 * RUN heredoc; the shell does.
 */
export function heredocRun(ins: RunInstruction): HeredocRun {
  const { command, heredocs } = ins;
  if (heredocs.length === 0) return { command };
  if (command.form !== 'shell') throw invalidArgument('heredocs need the shell form of RUN, not a JSON array');
  const [only] = heredocs;
  const single = singleHeredoc.exec(command.script.trim());
  if (only !== undefined && heredocs.length === 1 && single !== null && single[2] === only.name) {
    if (only.content.startsWith('#!')) {
      if (only.name.includes('/') || only.name === '.' || only.name === '..') {
        throw invalidArgument(`the heredoc name ${JSON.stringify(only.name)} is not a file name`);
      }
      return { command: { form: 'shell', script: `${SCRIPT_DIR}/${only.name}` }, script: { name: only.name, content: only.content } };
    }
    return { command: { form: 'shell', script: only.content } };
  }
  return { command: { form: 'shell', script: heredocs.reduce((script: string, doc: Heredoc) => `${script}\n${doc.content}${doc.name}`, command.script) } };
}
