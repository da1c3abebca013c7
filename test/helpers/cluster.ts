import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { berthBin, run, type RunResult } from './berth.js';

export interface TestClusterServer {
  child: ChildProcess;
  url: string;
  kubeconfig: string;
  /** Ends the server by PID: SIGTERM, or SIGKILL for crash tests. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `berth server --port 0` on loopback with `extra` flags and waits for it to listen. */
export function startClusterServer(root: string, extra: string[] = []): Promise<TestClusterServer> {
  const child = spawn(process.execPath, [berthBin, '--root', root, 'server', '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    let err = '';
    child.stdout?.resume();
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (\S+), kubeconfig (\S+)/.exec(err);
      if (m?.[1] && m[2]) resolve({ child, url: m[1], kubeconfig: m[2], stop });
    });
    child.on('exit', (code) => reject(new Error(`berth server exited with ${code}: ${err}`)));
  });
}

export interface KubeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface KubeCredentials {
  url: string;
  ca: string;
  token?: string;
  cert?: string;
  key?: string;
}

/** Credentials of a root's admin: the server URL, the CA and the admin token. */
export function adminCredentials(root: string, url: string): KubeCredentials {
  const token = fs.readFileSync(path.join(root, 'tokens.csv'), 'utf8').split('\n')[0]?.split(',')[0] ?? '';
  return { url, ca: fs.readFileSync(path.join(root, 'pki', 'ca.crt'), 'utf8'), token };
}

/** One HTTPS request to the API server; the body is JSON-encoded unless it is a string or Buffer. */
export function kubeRequest(creds: KubeCredentials, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<KubeResponse> {
  const url = new URL(urlPath, creds.url);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: creds.ca,
        ...(creds.cert ? { cert: creds.cert, key: creds.key } : {}),
        headers: {
          ...(creds.token ? { Authorization: `Bearer ${creds.token}` } : {}),
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs the real kubectl against a kubeconfig with its own discovery cache. */
export function kubectl(kubeconfig: string, cacheDir: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
    ...(options.input !== undefined ? { input: options.input } : {}),
    env: { ...process.env, ...options.env },
  });
}
