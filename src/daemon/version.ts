import fs from 'node:fs';

let cached: string | undefined;

/** berth's version, from the package.json this build was made from. */
export function berthVersion(): string {
  cached ??= (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return cached;
}
