import { spawn } from 'node:child_process';
import { BerthError } from '../lib/index.js';

/** A host tool that failed: its command line and what it printed on stderr. */
export class ToolError extends BerthError {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super('internal', `${command}: ${stderr.trim() || 'failed'}`);
    this.name = 'ToolError';
  }
}

/** Runs a host tool with `input` on stdin; resolves with stdout, rejects with a ToolError. */
export function runTool(command: string, args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new ToolError(`${command} ${args.join(' ')}`, e.message)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new ToolError(`${command} ${args.join(' ')}`, Buffer.concat(err).toString()));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
