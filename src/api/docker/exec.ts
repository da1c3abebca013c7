import type { ContainerService, ExecRequest } from '../../engine/index.js';
import { invalidArgument } from '../../lib/index.js';
import { openStdio, pumpStdio } from './hijack.js';
import type { Router } from './http.js';
import { queryInt, readJsonBody, sendJson } from './http.js';

/** `docker exec`: create, start (hijacked like attach), inspect, resize. */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function optional<T>(body: Json, key: string, check: (v: unknown) => v is T, expected: string): T | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw invalidArgument(`invalid ${key}: expected ${expected}, got ${JSON.stringify(value)}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function parseExecRequest(body: unknown): ExecRequest {
  if (!isObject(body)) throw invalidArgument('invalid exec request: the body must be a JSON object');
  const cmd = optional(body, 'Cmd', isStrings, 'an array of strings');
  if (!cmd?.length) throw invalidArgument('No exec command specified');
  const request: ExecRequest = { cmd };
  const env = optional(body, 'Env', isStrings, 'an array of strings');
  const user = optional(body, 'User', isString, 'a string');
  const workingDir = optional(body, 'WorkingDir', isString, 'a string');
  const tty = optional(body, 'Tty', isBoolean, 'a boolean');
  const attachStdin = optional(body, 'AttachStdin', isBoolean, 'a boolean');
  const privileged = optional(body, 'Privileged', isBoolean, 'a boolean');
  optional(body, 'AttachStdout', isBoolean, 'a boolean');
  optional(body, 'AttachStderr', isBoolean, 'a boolean');
  if (env?.length) request.env = env;
  if (user) request.user = user;
  if (workingDir) request.workingDir = workingDir;
  if (tty !== undefined) request.tty = tty;
  if (attachStdin !== undefined) request.attachStdin = attachStdin;
  if (privileged !== undefined) request.privileged = privileged;
  return request;
}

export function execRoutes(router: Router, containers: ContainerService): void {
  router.add('POST', /^\/containers\/([^/]+)\/exec$/, async (ctx) => {
    const request = parseExecRequest(await readJsonBody(ctx));
    sendJson(ctx.res, 201, { Id: await containers.createExec(ctx.params[0] ?? '', request) });
  });

  router.add('POST', /^\/exec\/([^/]+)\/start$/, async (ctx) => {
    const body = await readJsonBody(ctx);
    if (!isObject(body)) throw invalidArgument('invalid exec start request: the body must be a JSON object');
    const detach = optional(body, 'Detach', isBoolean, 'a boolean') ?? false;
    const ttyAsked = optional(body, 'Tty', isBoolean, 'a boolean');
    const exec = await containers.getExec(ctx.params[0] ?? '');
    const session = await containers.startExec(exec.id);
    if (detach) {
      // Nobody reads the output of a detached exec: let it run to the end unread.
      void (async () => {
        for await (const chunk of session.output) void chunk;
      })().catch(() => undefined);
      ctx.res.writeHead(200).end();
      return;
    }
    const conn = openStdio(ctx, ttyAsked ?? exec.request.tty ?? false);
    await pumpStdio(conn, session.output, {
      ...(exec.request.attachStdin && session.stdin ? { stdin: session.stdin } : {}),
      closeStdinAtEof: true,
      // The CLI inspects the exec for its exit code as soon as the stream ends.
      beforeEnd: () => session.exited,
    });
  });

  router.add('POST', /^\/exec\/([^/]+)\/resize$/, async ({ res, params, query }) => {
    await containers.resizeExec(params[0] ?? '', queryInt(query, 'w') ?? 0, queryInt(query, 'h') ?? 0);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end();
  });

  router.add('GET', /^\/exec\/([^/]+)\/json$/, async ({ res, params }) => {
    const exec = await containers.getExec(params[0] ?? '');
    const [entrypoint = '', ...args] = exec.request.cmd;
    sendJson(res, 200, {
      CanRemove: false,
      ContainerID: exec.containerId,
      DetachKeys: '',
      ExitCode: exec.exitCode,
      ID: exec.id,
      OpenStderr: true,
      OpenStdin: exec.request.attachStdin ?? false,
      OpenStdout: true,
      ProcessConfig: {
        arguments: args,
        entrypoint,
        privileged: exec.request.privileged ?? false,
        tty: exec.request.tty ?? false,
        user: exec.request.user ?? '',
      },
      Running: exec.running,
      Pid: exec.pid,
    });
  });
}
