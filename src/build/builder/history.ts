import type { ContainerConfig as ImageExecConfig, HealthConfig } from '../../oci/index.js';
import { goDuration, goList, goQuoteList } from './goformat.js';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

export const shellOf = (config: ImageExecConfig): string[] => [...(config.Shell && config.Shell.length > 0 ? config.Shell : DEFAULT_SHELL)];

/** A metadata step's `created_by`: `/bin/sh -c #(nop)  ENV A=b` (moby's withCmdComment). */
export const nopComment = (config: ImageExecConfig, text: string): string => [...shellOf(config), '#(nop) ', text].join(' ');

/** WORKDIR's and COPY's: `/bin/sh -c #(nop) WORKDIR /app` (moby's withCmdCommentString). */
export const nopCommentString = (config: ImageExecConfig, text: string): string => [...shellOf(config), `#(nop) ${text}`].join(' ');

/** `CMD %q` / `ENTRYPOINT %q`. */
export const commandText = (keyword: 'CMD' | 'ENTRYPOINT', argv: readonly string[]): string => `${keyword} ${goQuoteList(argv)}`;

/** `VOLUME %v`, `SHELL %v`. */
export const listText = (keyword: 'VOLUME' | 'SHELL', items: readonly string[]): string => `${keyword} ${goList(items)}`;

/** `HEALTHCHECK %+v` of moby's *container.HealthConfig. */
export function healthcheckText(h: HealthConfig): string {
  const d = (ns: number | undefined): string => goDuration(ns ?? 0);
  return `HEALTHCHECK &{Test:${goList(h.Test ?? [])} Interval:${d(h.Interval)} Timeout:${d(h.Timeout)} StartPeriod:${d(h.StartPeriod)} StartInterval:${d(h.StartInterval)} Retries:${h.Retries ?? 0}}`;
}

