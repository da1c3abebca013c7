import fs from 'node:fs';
import path from 'node:path';

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Last resort of a test whose daemon could not clean up: SIGKILLs, by PID, the conmon
 * monitors and container processes the pid files under `<run>/containers/<id>/` name —
 * only while the process still belongs to that container (conmon's command line names
 * the id; the container's cgroup path holds it), so that a reused PID is left alone.
 */
export function killContainerLeftovers(runDir: string): void {
  const containers = path.join(runDir, 'containers');
  let ids: string[];
  try {
    ids = fs.readdirSync(containers);
  } catch {
    return;
  }
  for (const id of ids) {
    for (const [file, proof] of [
      ['container.pid', 'cgroup'],
      ['conmon.pid', 'cmdline'],
    ] as const) {
      const pid = Number(readOr(path.join(containers, id, file)).trim());
      if (!Number.isInteger(pid) || pid <= 1) continue;
      if (!readOr(`/proc/${pid}/${proof}`).includes(id)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}
