import path from 'node:path';
import type { ContainerConfig as ImageExecConfig, HealthConfig } from '../../oci/index.js';
import type { Command, Instruction } from '../dockerfile/index.js';
import { commandText, healthcheckText, listText, nopComment, shellOf } from './history.js';

/** What a step that only changes the config leaves: the new config and its history text. */
export interface ConfigChange {
  config: ImageExecConfig;
  createdBy: string;
  /** CMD was given in this stage (an ENTRYPOINT after it keeps it). */
  cmdSet?: boolean;
  maintainer?: string;
}

/** Exec form as is; shell form through the stage's SHELL. */
export function argvOf(config: ImageExecConfig, command: Command): string[] {
  return command.form === 'exec' ? [...command.args] : [...shellOf(config), command.script];
}

const envKey = (entry: string): string => entry.slice(0, entry.indexOf('=') < 0 ? entry.length : entry.indexOf('='));

/** `EXPOSE 80 443/udp 8000-8001` → `80/tcp`, `443/udp`, `8000/tcp`, `8001/tcp` (nat.ParsePortSpecs). */
export function exposedPorts(ports: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of ports) {
    const m = /^(?:(?:\[[^\]]*\]|[^:]*):)?(?:[^:]*:)?(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(raw);
    if (!m) throw new Error(`invalid containerPort: ${raw}`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (start < 1 || end > 65535 || end < start) throw new Error(`invalid port range: ${raw}`);
    const proto = (m[3] ?? 'tcp').toLowerCase();
    for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

/** WORKDIR relative to the current one (moby's normalizeWorkdir). */
export function normalizeWorkdir(current: string | undefined, requested: string): string {
  const joined = requested.startsWith('/') ? requested : path.posix.join(current && current !== '' ? current : '/', requested);
  return path.posix.normalize(joined);
}

function healthConfig(ins: Extract<Instruction, { kind: 'HEALTHCHECK' }>): HealthConfig {
  if (ins.test.type === 'none') return { Test: ['NONE'] };
  const { command } = ins.test;
  const h: HealthConfig = { Test: command.form === 'exec' ? ['CMD', ...command.args] : ['CMD-SHELL', command.script] };
  const o = ins.options;
  if (o.interval !== undefined) h.Interval = o.interval;
  if (o.timeout !== undefined) h.Timeout = o.timeout;
  if (o.startPeriod !== undefined) h.StartPeriod = o.startPeriod;
  if (o.startInterval !== undefined) h.StartInterval = o.startInterval;
  if (o.retries !== undefined) h.Retries = o.retries;
  return h;
}

/**
 * Applies a config-only instruction (already expanded) to a copy of `config`, as moby's
 * dispatchers do, with the `created_by` text it writes. Returns undefined for the
 * instructions that need a container (RUN, COPY, ADD, WORKDIR).
 */
export function applyMetadata(base: ImageExecConfig, ins: Instruction, cmdSet: boolean): ConfigChange | undefined {
  const config: ImageExecConfig = structuredClone(base);
  const done = (text: string, extra: Partial<ConfigChange> = {}): ConfigChange => ({ config, createdBy: nopComment(config, text), ...extra });
  switch (ins.kind) {
    case 'ENV': {
      const env = [...(config.Env ?? [])];
      for (const { key, value } of ins.pairs) {
        const entry = `${key}=${value}`;
        const at = env.findIndex((e) => envKey(e) === key);
        if (at >= 0) env[at] = entry;
        else env.push(entry);
      }
      config.Env = env;
      return done(`ENV ${ins.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
    }
    case 'LABEL':
      config.Labels = { ...(config.Labels ?? {}) };
      for (const { key, value } of ins.pairs) config.Labels[key] = value;
      return done(`LABEL ${ins.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
    case 'MAINTAINER':
      return done(`MAINTAINER ${ins.maintainer}`, { maintainer: ins.maintainer });
    case 'CMD': {
      const cmd = argvOf(config, ins.command);
      config.Cmd = cmd;
      return done(commandText('CMD', cmd), { cmdSet: true });
    }
    case 'ENTRYPOINT': {
      config.Entrypoint = argvOf(config, ins.command);
      if (!cmdSet) delete config.Cmd;
      return done(commandText('ENTRYPOINT', config.Entrypoint));
    }
    case 'EXPOSE':
      config.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
      for (const port of exposedPorts(ins.ports)) config.ExposedPorts[port] = {};
      return done(`EXPOSE ${ins.ports.join(' ')}`);
    case 'USER':
      config.User = ins.user;
      return done(`USER ${ins.user}`);
    case 'VOLUME':
      config.Volumes = { ...(config.Volumes ?? {}) };
      for (const v of ins.paths) config.Volumes[v] = {};
      return done(listText('VOLUME', ins.paths));
    case 'STOPSIGNAL':
      config.StopSignal = ins.signal;
      return done(`STOPSIGNAL ${ins.signal}`);
    case 'HEALTHCHECK':
      config.Healthcheck = healthConfig(ins);
      return done(healthcheckText(config.Healthcheck));
    case 'SHELL':
      config.Shell = [...ins.shell];
      return done(listText('SHELL', ins.shell));
    case 'ONBUILD':
      config.OnBuild = [...(config.OnBuild ?? []), ins.expression];
      return done(`ONBUILD ${ins.expression}`);
    case 'ARG':
      return done(`ARG ${ins.args.map((a) => (a.default === undefined ? a.name : `${a.name}=${a.default}`)).join(' ')}`);
    default:
      return undefined;
  }
}
