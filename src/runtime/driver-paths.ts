import path from 'node:path';
import { invalidArgument } from '../lib/index.js';

/**
 * Everything the driver knows lives under one run directory, so that a new driver (after
 * a daemon restart or a SIGKILL) finds what an earlier one started:
 *
 *   <runDir>/runc/             runc --root: the runtime's own state
 *   <runDir>/exits/<id>        exit code, written by conmon when the container exits
 *   <runDir>/sock/<id>         conmon's link to the bundle; <id>/attach is the attach socket
 *   <runDir>/xsock/<session>   the same for exec sessions with a terminal
 *   <runDir>/containers/<id>/  record.json, conmon.pid, container.pid, conmon.log, and
 *                              exec-<session>/ for each exec (process.json, conmon's files)
 *
 * conmon also makes `attach`, `ctl` and `winsz` in the bundle directory.
 */
export interface RunLayout {
  runDir: string;
  runcRoot: string;
  exitDir: string;
  socketDir: string;
  execSocketDir: string;
  containersDir: string;
}

export interface ContainerFiles {
  dir: string;
  record: string;
  conmonPid: string;
  containerPid: string;
  conmonLog: string;
  exitFile: string;
  socketLink: string;
  attachSocket: string;
}

/** The longest path a unix socket address can hold (sun_path less its NUL). */
const MAX_SOCKET_PATH = 107;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

export function runLayout(runDir: string): RunLayout {
  const root = path.resolve(runDir);
  return {
    runDir: root,
    runcRoot: path.join(root, 'runc'),
    exitDir: path.join(root, 'exits'),
    socketDir: path.join(root, 'sock'),
    execSocketDir: path.join(root, 'xsock'),
    containersDir: path.join(root, 'containers'),
  };
}

export function validateId(id: string): void {
  if (!ID_PATTERN.test(id)) throw invalidArgument(`invalid container id ${JSON.stringify(id)}: use letters, digits, '_', '.', '+', '-'`);
}

export function containerFiles(layout: RunLayout, id: string): ContainerFiles {
  validateId(id);
  const dir = path.join(layout.containersDir, id);
  const socketLink = path.join(layout.socketDir, id);
  return {
    dir,
    record: path.join(dir, 'record.json'),
    conmonPid: path.join(dir, 'conmon.pid'),
    containerPid: path.join(dir, 'container.pid'),
    conmonLog: path.join(dir, 'conmon.log'),
    exitFile: path.join(layout.exitDir, id),
    socketLink,
    attachSocket: path.join(socketLink, 'attach'),
  };
}

/** Fails early when the attach socket's address would not fit in a sockaddr_un. */
export function checkSocketPath(files: ContainerFiles): void {
  if (Buffer.byteLength(files.attachSocket) > MAX_SOCKET_PATH) {
    throw invalidArgument(`attach socket path too long (${files.attachSocket}): use a shorter run directory or id`);
  }
}

/** The files conmon makes in the bundle directory. */
export function bundleFiles(bundle: string): { attach: string; ctl: string; winsz: string } {
  return { attach: path.join(bundle, 'attach'), ctl: path.join(bundle, 'ctl'), winsz: path.join(bundle, 'winsz') };
}
