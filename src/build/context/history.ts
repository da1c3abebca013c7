import type { CopySpec } from './index.js';

/** `--chown=… --chmod=… ` as a COPY/ADD history entry shows them (BuildKit's order), or ''. */
export function copyFlags(spec: Pick<CopySpec, 'chown' | 'chmod'>): string {
  const chown = spec.chown === undefined || spec.chown === '' ? '' : `--chown=${spec.chown} `;
  const chmod = spec.chmod === undefined || spec.chmod === '' ? '' : `--chmod=${spec.chmod} `;
  return `${chown}${chmod}`;
}
