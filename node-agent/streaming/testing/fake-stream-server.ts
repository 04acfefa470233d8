/**
 * Test doubles for the streaming path without containerd: a stand-in for the runtime's stream server (SPDY/3.1
 * with the v4 stream protocol, like containerd's) that runs a few canned commands, and a RuntimeService with just
 * what the node streaming server calls (ContainerStatus, Exec, Attach).
 *
 * Commands: `echo args…` (stdout, plus a line on stderr), `exit n` (NonZeroExitCode), `cat` (stdin → stdout until
 * stdin's EOF), `tty` (echoes resize messages as `resize <json>` until stdin's EOF), anything else an
 * InternalError like a missing executable. Attach behaves like `cat`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ExecRequest, RuntimeService } from '../../cri/services.ts';
import { CriError } from '../../cri/services.ts';
import { SpdySession, type SpdyStream } from '../../../shared/streaming/spdy/spdy-session.ts';
import { exitCodeStatus, successStatus } from '../../../shared/streaming/remote-command.ts';

/** A stand-in for the runtime's stream server: SPDY, v4 streams, a few canned commands. */
export class FakeStreamServer {
  readonly server = http.createServer((_req, res) => {
    res.writeHead(400);
    res.end('Upgrade request required');
  });
  port = 0;
  pending = new Map<string, ExecRequest>();
  seenProtocols: string[] = [];
  #n = 0;

  async start(): Promise<void> {
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(req: ExecRequest): string {
    const token = `t${++this.#n}`;
    this.pending.set(token, req);
    return `http://127.0.0.1:${this.port}/exec/${token}`;
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const token = (req.url ?? '').split('/').pop() ?? '';
    const exec = this.pending.get(token);
    this.pending.delete(token);
    this.seenProtocols.push(String(req.headers['x-stream-protocol-version']));
    if (!exec || String(req.headers.upgrade).toLowerCase() !== 'spdy/3.1') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
    const session = new SpdySession(socket, 'server', head);
    const expected = 1 + (exec.stdin ? 1 : 0) + (exec.stdout ? 1 : 0) + (exec.stderr ? 1 : 0) + (exec.tty ? 1 : 0);
    const streams: Record<string, SpdyStream> = {};
    session.on('stream', (st: SpdyStream) => {
      st.reply();
      streams[st.header('streamtype') ?? ''] = st;
      if (Object.keys(streams).length === expected) this.#run(exec, streams, session);
    });
  }

  #run(exec: ExecRequest, s: Record<string, SpdyStream>, session: SpdySession): void {
    const finish = (status: object) => {
      s['error']?.write(Buffer.from(JSON.stringify(status)));
      for (const st of Object.values(s)) st.reset();
      session.close();
    };
    const [cmd, ...args] = exec.cmd;
    if (cmd === 'echo') {
      s['stdout']?.write(Buffer.from(`${args.join(' ')}\n`));
      s['stderr']?.write(Buffer.from('to stderr\n'));
      finish(successStatus());
    } else if (cmd === 'exit') {
      finish(exitCodeStatus(Number(args[0])));
    } else if (cmd === 'cat') {
      s['stdin']?.on('data', (b: Buffer) => s['stdout']?.write(b));
      s['stdin']?.on('end', () => finish(successStatus()));
    } else if (cmd === 'tty') {
      s['resize']?.on('data', (b: Buffer) => s['stdout']?.write(Buffer.from(`resize ${b.toString()}`)));
      s['stdin']?.on('end', () => finish(successStatus()));
    } else {
      finish({ metadata: {}, status: 'Failure', message: `Internal error occurred: exec: "${cmd}": executable file not found`, reason: 'InternalError', code: 500 });
    }
  }

  close(): Promise<void> {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A RuntimeService for the streaming server: `containers` gives each id its state and log file. */
export function fakeStreamingRuntime(
  streams: FakeStreamServer,
  containers: Record<string, { state: string; logPath: string }>,
  execCalls: ExecRequest[] = [],
): RuntimeService {
  return {
    async containerStatus(id: string) {
      const s = containers[id];
      if (!s) throw new CriError('NOT_FOUND', `container ${id} not found`);
      return { status: { id, ...s }, info: {} };
    },
    async exec(req: ExecRequest) {
      execCalls.push(req);
      return { url: streams.url(req) };
    },
    async attach(req: ExecRequest) {
      return { url: streams.url({ ...req, cmd: ['cat'] }) };
    },
  } as unknown as RuntimeService;
}
