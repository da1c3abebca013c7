import { alreadyExists, BerthError, failedPrecondition, notFound, type ErrorKind } from '../lib/index.js';

/**
 * A failure reported by the OCI runtime (runc/crun, directly or through conmon).
 * `runtimeMessage` is the runtime's own text; `exitCodeHint` is the exit status a
 * Docker-style engine reports for a process that could not be started: 127 when the
 * command does not exist, 126 when it exists but cannot be executed.
 */
export class RuntimeError extends BerthError {
  readonly runtimeMessage: string;
  readonly exitCodeHint: 126 | 127 | undefined;

  constructor(kind: ErrorKind, message: string, runtimeMessage: string) {
    super(kind, message);
    this.name = 'RuntimeError';
    this.runtimeMessage = runtimeMessage;
    this.exitCodeHint = startFailureExitCode(runtimeMessage);
  }
}

/**
 * 127 for "no such command", 126 for "not executable", as shells and Docker report them;
 * only for messages about executing the process (runc: `exec: "/x": stat /x: no such file…`).
 */
export function startFailureExitCode(message: string): 126 | 127 | undefined {
  const exec = /\bexec\b.*$/is.exec(message)?.[0];
  if (exec === undefined) return undefined;
  if (/executable file not found|no such file or directory/i.test(exec)) return 127;
  if (/permission denied|exec format error|is a directory/i.test(exec)) return 126;
  return undefined;
}

/**
 * The messages in a runtime's stderr. runc and crun log as JSON lines with
 * `--log-format json` ({"level":"error","msg":…}) and as logrus text otherwise
 * (`level=error msg="…"`); anything else is kept as it is.
 */
export function runtimeMessages(output: string): string {
  const messages: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    messages.push(messageOfLine(line));
  }
  return messages.join('; ');
}

function messageOfLine(line: string): string {
  if (line.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { msg?: unknown }).msg === 'string') {
        return (parsed as { msg: string }).msg;
      }
    } catch {
      // not JSON after all: fall through to the text forms
    }
  }
  const quoted = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (quoted?.[1] !== undefined) return unescapeLogfmt(quoted[1]);
  const bare = /\bmsg=(\S+)/.exec(line);
  if (bare?.[1] !== undefined) return bare[1];
  return line;
}

function unescapeLogfmt(text: string): string {
  return text.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** Turns a runtime failure into an error of the right kind for `action` on container `id`. */
export function runtimeFailure(action: string, id: string, runtimeMessage: string): BerthError {
  const text = runtimeMessage.trim() === '' ? 'the runtime failed without a message' : runtimeMessage.trim();
  const message = `${action} ${id}: ${text}`;
  if (/container does not exist|container with id .* not found|no such container/i.test(text)) {
    return notFound(`container ${id} does not exist`);
  }
  if (/already exists/i.test(text)) return alreadyExists(`container ${id} already exists`);
  if (/not running|not paused|is paused|not stopped|is running|cannot (delete|start|pause|resume)|not created|already (running|paused)/i.test(text)) {
    return failedPrecondition(message);
  }
  return new RuntimeError(startFailureExitCode(text) === undefined ? 'internal' : 'invalid-argument', message, text);
}
