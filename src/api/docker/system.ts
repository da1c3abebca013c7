import os from 'node:os';
import path from 'node:path';
import type { Router } from './http.js';
import { readJsonBody, sendJson } from './http.js';
import type { Engine, RegistryAuth, RuntimeChoice } from '../../engine/index.js';
import { errorKind, invalidArgument } from '../../lib/index.js';
import { API_VERSION, MIN_API_VERSION } from './version.js';

export interface DaemonIdentity {
  /** berth's own version. */
  version: string;
  /** Stable ID of this daemon's root. */
  id: string;
}

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le' };

export function systemRoutes(router: Router, engine: Engine, identity: DaemonIdentity): void {
  const ping = (res: import('node:http').ServerResponse, head: boolean): void => {
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Api-Version': API_VERSION,
      'Ostype': 'linux',
      'Docker-Experimental': 'false',
      'Builder-Version': '1',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      'Pragma': 'no-cache',
    });
    res.end(head ? undefined : 'OK');
  };
  router.add('GET', /^\/_ping$/, ({ req, res }) => ping(res, req.method === 'HEAD'));

  // `docker login` through the daemon: the engine checks the credentials against the registry.
  router.add('POST', /^\/auth$/, async (ctx) => {
    const auth = authConfigOf(await readJsonBody(ctx));
    try {
      await engine.images.login(auth);
    } catch (err) {
      if (errorKind(err) !== 'failed-precondition') throw err;
      return sendJson(ctx.res, 401, { message: (err as Error).message });
    }
    sendJson(ctx.res, 200, { Status: 'Login Succeeded', IdentityToken: '' });
  });

  router.add('GET', /^\/version$/, ({ res }) => {
    const arch = goArch[process.arch] ?? process.arch;
    sendJson(res, 200, {
      Platform: { Name: 'berth' },
      Components: [
        {
          Name: 'Engine',
          Version: identity.version,
          Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: arch },
        },
      ],
      Version: identity.version,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: arch,
      KernelVersion: os.release(),
      BuildTime: '0001-01-01T00:00:00Z',
    });
  });

  router.add('GET', /^\/info$/, async ({ res }) => {
    const images = await engine.images.list();
    const { runtime, initBinary } = await engine.runtimeInfo();
    const containers = await engine.containers.list({ all: true });
    const count = (...states: string[]): number => containers.filter((c) => states.includes(c.state.status)).length;
    sendJson(res, 200, {
      ID: identity.id,
      Containers: containers.length,
      ContainersRunning: count('running', 'restarting'),
      ContainersPaused: count('paused'),
      ContainersStopped: count('created', 'exited', 'dead', 'removing'),
      Images: images.length,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['k8s-file'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Debug: false,
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'k8s-file',
      CgroupDriver: 'cgroupfs',
      NEventsListener: 0,
      KernelVersion: os.release(),
      OperatingSystem: 'berth',
      OSVersion: '',
      OSType: 'linux',
      Architecture: os.machine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: [] },
      NCPU: os.availableParallelism(),
      MemTotal: os.totalmem(),
      DockerRootDir: engine.root,
      Name: os.hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: identity.version,
      Runtimes: runtimes(runtime),
      DefaultRuntime: runtime.name,
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: initBinary === undefined ? '' : path.basename(initBinary),
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: null,
    });
  });
}

/** Docker's `Runtimes`: every runtime the host has, by name, with its executable. */
function runtimes(runtime: RuntimeChoice): Record<string, { path: string }> {
  const out: Record<string, { path: string }> = {};
  for (const [name, file] of Object.entries(runtime.available)) out[name] = { path: file };
  return out;
}

/** The body of `POST /auth` (Docker's AuthConfig); each field a string when present. */
function authConfigOf(body: unknown): RegistryAuth {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument('auth: the body must be a JSON object');
  const auth: RegistryAuth = {};
  for (const field of ['username', 'password', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw invalidArgument(`auth: ${field} must be a string`);
    auth[field] = value;
  }
  return auth;
}
