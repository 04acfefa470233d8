/** Starts test/bench/raw-server.ts in its own process (the raw HTTP floor for create, list and watch). */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';

export interface RawServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface RawServerOptions {
  /** Bytes served by GET /list. */
  listFile?: string;
  /** The stored pod answered (and written by /txn) for POST /echo/NAME and /txn/NAME. */
  podFile?: string;
  etcdEndpoint?: string;
  etcdPrefix?: string;
}

export async function startRawServer(opts: RawServerOptions = {}): Promise<RawServer> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.listFile) env.BENCH_RAW_LIST_FILE = opts.listFile;
  if (opts.podFile) env.BENCH_RAW_POD_FILE = opts.podFile;
  if (opts.etcdEndpoint) env.BENCH_RAW_ETCD = opts.etcdEndpoint;
  if (opts.etcdPrefix) env.BENCH_RAW_ETCD_PREFIX = opts.etcdPrefix;
  const child = fork(resolve(import.meta.dirname, '..', 'raw-server.ts'), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((res, rej) => {
    child.once('message', (m: { port: number }) => res(m.port));
    child.once('exit', (code) => rej(new Error(`raw server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
