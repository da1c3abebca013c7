import { BerthError } from '../../lib/index.js';

/**
 * A Dockerfile error names the file and the (1-based) line at fault. It is an
 * `invalid-argument` BerthError, so adapters map it to 400 / exit code 2.
 */
export class DockerfileError extends BerthError {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, message: string) {
    super('invalid-argument', `${file}:${line}: ${message}`);
    this.name = 'DockerfileError';
    this.file = file;
    this.line = line;
  }
}

/** Where an error points: the file name plus a line inside it. */
export interface Site {
  file: string;
  line: number;
}

export const dockerfileError = (site: Site, message: string): DockerfileError =>
  new DockerfileError(site.file, site.line, message);
