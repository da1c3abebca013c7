import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { failedPrecondition, unavailable } from '../lib/index.js';

/**
 * conmon's attach socket is a unix SOCK_SEQPACKET socket: every message it sends is one
 * packet whose first byte names the stream (2 stdout, 3 stderr), and every packet we
 * send is stdin. Node's net module only does SOCK_STREAM, so a tiny bridge process does
 * the socket work and speaks a byte stream with us: to its stdin we write stdin bytes
 * (EOF becomes shutdown(SHUT_WR), which conmon turns into EOF on the container's stdin
 * while output keeps flowing); from its stdout we read frames of
 * [stream u8][length u32 BE][bytes], stream 0 with no bytes meaning "connected".
 * The bridge is Python 3 (in every Debian/Fedora base system); its code is below.
 */
const BRIDGE = String.raw`
import os, socket, struct, sys, threading
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1])
except OSError as e:
    sys.stderr.write(str(e))
    sys.exit(2)
def send_frame(kind, data):
    view = struct.pack('>BI', kind, len(data)) + data
    while view:
        view = view[os.write(1, view):]
send_frame(0, b'')
def pump_stdin():
    try:
        while True:
            chunk = os.read(0, 4096)
            if not chunk:
                break
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
threading.Thread(target=pump_stdin, daemon=True).start()
try:
    while True:
        packet = s.recv(65536)
        if not packet:
            break
        send_frame(packet[0], packet[1:])
except (OSError, BrokenPipeError):
    pass
`;

export type AttachStream = 'stdout' | 'stderr';

export interface AttachChunk {
  stream: AttachStream;
  data: Buffer;
}

/** A live connection to a container's stdio through conmon. */
export interface AttachSession {
  /** Bytes for the container's stdin (when it was created with stdin); end() closes it. */
  stdin: Writable;
  /** Output in arrival order; with a terminal everything is 'stdout'. Ends when the container's stdio closes or on detach. */
  output: AsyncIterable<AttachChunk> & Readable;
  /** Disconnects without touching the container. */
  detach(): void;
  /** Settles when the session is over. */
  closed: Promise<void>;
}

const PYTHON_CANDIDATES = ['/usr/bin/python3', '/usr/local/bin/python3', '/bin/python3'];

/** The Python 3 the bridge runs with: an explicit path, else the system's. */
export function findPython(explicit?: string): string {
  if (explicit !== undefined) return explicit;
  for (const candidate of PYTHON_CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return 'python3';
}

const STREAMS: Record<number, AttachStream> = { 1: 'stdout', 2: 'stdout', 3: 'stderr' };

/** Connects to the SEQPACKET socket at `socketPath`; resolves once connected. */
export function attachSocket(socketPath: string, python: string): Promise<AttachSession> {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(python, ['-I', '-S', '-c', BRIDGE, socketPath], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = new PassThrough({ objectMode: true });
  let pending: Buffer = Buffer.alloc(0);
  let errText = '';
  child.stderr.on('data', (c: Buffer) => {
    errText += c.toString();
  });
  child.stdin.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return new Promise<AttachSession>((resolve, reject) => {
    let connected = false;
    const session: AttachSession = {
      stdin: child.stdin,
      output,
      detach: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      },
      closed,
    };
    child.on('error', (err) => {
      if (!connected) reject(unavailable(`cannot run the attach bridge (${python}): ${err.message}`, err));
      output.destroy(err);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const kind = pending.readUInt8(0);
        const length = pending.readUInt32BE(1);
        if (pending.length < 5 + length) break;
        const data = pending.subarray(5, 5 + length);
        pending = pending.subarray(5 + length);
        if (kind === 0) {
          if (!connected) {
            connected = true;
            resolve(session);
          }
          continue;
        }
        const stream = STREAMS[kind];
        if (stream !== undefined) output.write({ stream, data: Buffer.from(data) });
      }
    });
    child.on('close', (code) => {
      output.end();
      if (!connected) {
        const reason = errText.trim() || `bridge exited with status ${code ?? 'unknown'}`;
        reject(failedPrecondition(`cannot attach to ${socketPath}: ${reason}`));
      }
    });
  });
}
