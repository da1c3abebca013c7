import { BerthError, errorKind, exitCodeOf } from '../lib/errors.js';
import { extractGlobals } from './args.js';
import { containerVerbs, type Verb } from './commands/container-verbs.js';
import { connect, type CommandContext } from './context.js';

/** Each verb's module is imported only when that verb runs, to keep start-up lean. */
const verbs: Record<string, () => Promise<Verb>> = {
  images: async () => (await import('./commands/images.js')).listImages,
  image: async () => (await import('./commands/images.js')).imageCommand,
  import: async () => (await import('./commands/images.js')).importImage,
  tag: async () => (await import('./commands/images.js')).tagImage,
  rmi: async () => (await import('./commands/images.js')).removeImages,
  save: async () => (await import('./commands/images.js')).saveImages,
  load: async () => (await import('./commands/images.js')).loadImages,
  build: async () => (await import('./commands/build.js')).buildImage,
  commit: async () => (await import('./commands/build.js')).commitContainer,
  builder: async () => (await import('./commands/build.js')).builderCommand,
  pull: async () => (await import('./commands/transfer.js')).pullImage,
  push: async () => (await import('./commands/transfer.js')).pushImage,
  login: async () => (await import('./commands/login.js')).login,
  logout: async () => (await import('./commands/login.js')).logout,
  inspect: async () => (await import('./commands/containers.js')).inspectObjects,
  ...containerVerbs,
  container: async () => (await import('./commands/container-verbs.js')).containerCommand,
  volume: async () => (await import('./commands/volumes.js')).volumeCommand,
  events: async () => (await import('./commands/events.js')).streamEvents,
  network: async () => (await import('./commands/networks.js')).networkCommand,
  port: async () => (await import('./commands/networks.js')).containerPorts,
  daemon: async () => (await import('./commands/system.js')).daemon,
  version: async () => (await import('./commands/system.js')).version,
  info: async () => (await import('./commands/system.js')).info,
  registry: async () => (await import('./commands/registry.js')).registryCommand,
  server: async () => (await import('./commands/cluster.js')).server,
  kubeconfig: async () => (await import('./commands/cluster.js')).kubeconfig,
};

const usage = `Usage: berth [--root DIR] [--run DIR] [--host ADDR] COMMAND

Images:
  images                 List images (--format json, -q, -a)
  image import FILE [REF]  Create an image from a root filesystem tarball
  image inspect REF...   Show an image's details
  image rm REF...        Remove images (also: rmi)
  image prune            Remove dangling images (-a: every unused image)
  image save -o FILE REF...  Write images to a docker-archive (--format oci: OCI layout)
  image load -i FILE     Load images from a docker-archive or OCI layout tarball
  build [-t NAME:TAG] [-f FILE] [--build-arg K=V] [--target T] [--label K=V] [--no-cache]
        [--pull] [-q] [--network MODE] CONTEXT|-   Build an image from a Dockerfile
  commit [-m MSG] [-a AUTHOR] [-c CHANGE] CONTAINER [NAME[:TAG]]   An image from a container's changes
  builder prune          Forget the build cache (and its intermediate images)
  tag SOURCE TARGET      Give an image another name
  pull [--platform P] NAME[:TAG|@DIGEST]   Fetch an image from its registry
  push NAME[:TAG]        Send an image to the registry its name points at
  login [-u USER] [-p PASS | --password-stdin] [SERVER]   Store registry credentials (checked first)
  logout [SERVER]        Forget a registry's credentials

Containers:
  run [OPTIONS] IMAGE [COMMAND] [ARG...]   Create and start a container (-d, -i, -t, --rm, --name,
                         -e, --env-file, -w, -u, --entrypoint, -l, -m, --memory-swap, --cpus,
                         --cpu-shares, --pids-limit, --ulimit, --restart, --health-*, --init, --privileged,
                         --cap-add, --cap-drop, --read-only, --security-opt, --network, -h,
                         --network-alias, --ip, -p [IP:][HOST:]CTR[/udp], -P, --expose, --dns,
                         --dns-search, --dns-option, --add-host NAME:IP,
                         --log-driver, --log-opt max-size=10m, -v, --mount, --tmpfs, --volumes-from, ...)
  create [OPTIONS] IMAGE [COMMAND] [ARG...]  Create a container (prints its ID)
  start [-a] [-i] CONTAINER...   Start containers
  ps [-a] [-q] [--filter k=v] [--no-trunc] [--format json]   List containers
  logs [-f] [--since T] [--until T] [-n N] [-t] CONTAINER     Show a container's output
  exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]
  stop [-t SECONDS] [-s SIGNAL] CONTAINER...   kill [-s SIGNAL] CONTAINER...
  restart [-t SECONDS] CONTAINER...            rm [-f] [-v] CONTAINER...
  pause, unpause, wait CONTAINER...            rename CONTAINER NAME
  inspect NAME...        Show containers' (or images') details as JSON
  top CONTAINER [ps OPTIONS]   stats [--no-stream] [--format json] [CONTAINER...]
  cp CONTAINER:SRC DEST | cp SRC CONTAINER:DEST   Copy files (- for a tar stream)
  events [--since T] [--until T] [-f k=v] [--format json]   Stream the daemon's events
  container SUBCOMMAND   The same verbs under one name (container ls, container rm, ...)
  port CONTAINER [PORT[/PROTO]]   Show the host ports a container's ports are published on

Networks:
  network create [--subnet CIDR] [--gateway IP] [--internal] [--label K=V] NAME
  network ls [-q] [-f K=V]   network inspect NAME...   network rm NAME...   network prune [-f]
  network connect [--alias A] [--ip IP] NETWORK CONTAINER   network disconnect NETWORK CONTAINER

Volumes:
  volume create [-l K=V] [NAME]   volume ls [-q] [-f dangling=true|label=K|name=N] [--format json]
  volume inspect NAME...   volume rm [-f] NAME...   volume prune [-a] [--filter label=K]

Daemon:
  daemon [--runtime runc|crun] [--cgroup-parent /PATH] [--insecure-registry HOST:PORT ...]
         [--bridge|--bridge-name NAME] [--default-subnet CIDR] [--dns-upstream IP[:PORT] ...]
                         [--registry HOST:PORT [--registry-root DIR] [--registry-auth ...] [--registry-tls-cert F ...]]
                         Serve the Docker Engine API (default unix:///run/berth/docker.sock), and a
                         registry in the same process with berth registry's flags behind registry-
  version, info          Show versions and system facts

Cluster:
  server [--port 6443] [--bind-address 127.0.0.1] [--datastore sqlite|etcd://HOST:PORT,...] [--tls-san NAME]
         [--advertise-address IP] [--service-cluster-ip-range 10.43.0.0/16] [--service-node-port-range 30000-32767]
                         Serve the Kubernetes API (state in <root>/cluster, kubeconfig in <root>/kubeconfig.yaml)
  kubeconfig [--user NAME [--group GROUP]...]   Print the admin kubeconfig, or one with a client certificate
`;

export async function main(argv: string[]): Promise<number> {
  const closers: Array<() => Promise<void>> = [];
  try {
    const { globals, rest } = extractGlobals(argv);
    const [verb, ...args] = rest;
    if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
      process.stdout.write(usage);
      return verb ? 0 : 2;
    }
    const load = verbs[verb];
    if (!load) throw new BerthError('invalid-argument', `unknown command "${verb}" (see berth --help)`);
    let client: Promise<import('./client.js').ApiClient> | undefined;
    const ctx: CommandContext = {
      args,
      globals,
      out: (text) => void process.stdout.write(text),
      err: (text) => void process.stderr.write(text),
      client: () => (client ??= connect(globals, (close) => closers.push(close))),
    };
    const code = await (await load())(ctx);
    return code ?? 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`berth: ${message}\n`);
    return exitCodeOf(errorKind(err));
  } finally {
    for (const close of closers) await close();
  }
}
