import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { failedPrecondition, invalidArgument, isErrno, notFound } from '../../lib/index.js';
import { capabilitySet, detectHost } from '../../runtime/index.js';
import { runtimeArgv, type ContainerHandle } from './handle.js';
import type { ExecRequest } from './types.js';
import { resolveUserInRootfs } from './users.js';

/** The container's `process` from its config.json, with rlimits kept exact (uint64). */
export interface BaseProcess {
  fields: Record<string, unknown>;
  /** `{"type":…,"hard":N,"soft":N}` objects as JSON text: N may not fit a JS number. */
  rlimitsJson?: string;
}

/**
 * Environment of an exec, as Docker builds it: the container's, TERM=xterm for a tty when
 * the container does not set TERM, then the request's entries, which replace same-named ones.
 */
export function execEnv(containerEnv: readonly string[], requestEnv: readonly string[] | undefined, tty: boolean): string[] {
  const env = new Map<string, string>();
  const add = (entry: string): void => {
    const eq = entry.indexOf('=');
    env.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  };
  containerEnv.forEach(add);
  if (tty && !env.has('TERM')) add('TERM=xterm');
  (requestEnv ?? []).forEach(add);
  return [...env.values()];
}

/**
 * process.json for `runc exec --process`: the container's process (capabilities,
 * no_new_privs, AppArmor profile, rlimits) with the exec's command, environment, user,
 * working directory and terminal; all capabilities the host allows with `privileged`.
 */
export async function execProcessJson(handle: ContainerHandle, request: ExecRequest, base: BaseProcess): Promise<string> {
  if (request.cmd.length === 0 || request.cmd[0] === '') throw invalidArgument('No exec command specified');
  const tty = request.tty === true;
  const user = await resolveUserInRootfs(handle.rootfsPath, request.user || handle.user || '');
  const baseUser = (base.fields.user ?? {}) as { umask?: number };
  const fields: Record<string, unknown> = {
    ...base.fields,
    terminal: tty,
    args: request.cmd,
    env: execEnv(handle.env, request.env, tty),
    cwd: request.workingDir || handle.workingDir || '/',
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids.length > 0 ? user.additionalGids : undefined, umask: baseUser.umask },
  };
  delete fields.rlimits;
  delete fields.consoleSize;
  if (request.privileged === true) {
    const all = capabilitySet({ privileged: true }, await detectHost());
    fields.capabilities = { bounding: all, effective: all, permitted: all, inheritable: [], ambient: [] };
  }
  const json = JSON.stringify(fields);
  return base.rlimitsJson === undefined ? json : `${json.slice(0, -1)},"rlimits":${base.rlimitsJson}}`;
}

/** Reads the container's process from its bundle (asking the runtime where that is when unknown). */
export async function loadBaseProcess(handle: ContainerHandle): Promise<BaseProcess> {
  const bundle = handle.bundlePath ?? (await bundleOf(handle));
  let text: string;
  try {
    text = await readFile(path.join(bundle, 'config.json'), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound(`container ${handle.id} has no config.json in ${bundle}`, err);
    throw err;
  }
  return parseBaseProcess(text);
}

/** The `process` of a config.json text; rlimit values are carried over as their digits. */
export function parseBaseProcess(configJson: string): BaseProcess {
  // Quote hard/soft so that JSON.parse keeps every digit of RLIM_INFINITY (2^64-1).
  const quoted = configJson.replace(/("(?:hard|soft)"\s*:\s*)(\d+)/g, '$1"$2"');
  const spec = JSON.parse(quoted) as { process?: Record<string, unknown> };
  const fields = { ...(spec.process ?? {}) };
  const rlimits = fields.rlimits as Array<{ type: string; hard: string; soft: string }> | undefined;
  delete fields.rlimits;
  if (rlimits === undefined || rlimits.length === 0) return { fields };
  const digits = (v: string): string => (/^\d+$/.test(String(v)) ? String(v) : '0');
  const rlimitsJson = `[${rlimits.map((r) => `{"type":${JSON.stringify(r.type)},"hard":${digits(r.hard)},"soft":${digits(r.soft)}}`).join(',')}]`;
  return { fields, rlimitsJson };
}

function bundleOf(handle: ContainerHandle): Promise<string> {
  const [file, ...args] = runtimeArgv(handle);
  return new Promise((resolve, reject) => {
    execFile(file as string, [...args, 'state', handle.id], (err, stdout, stderr) => {
      if (err !== null) return reject(failedPrecondition(`state of container ${handle.id}: ${stderr.trim() || err.message}`, err));
      try {
        const bundle = (JSON.parse(stdout) as { bundle?: unknown }).bundle;
        if (typeof bundle !== 'string') throw new Error('no bundle in the state');
        resolve(bundle);
      } catch (parseError) {
        reject(failedPrecondition(`state of container ${handle.id}: ${(parseError as Error).message}`));
      }
    });
  });
}
