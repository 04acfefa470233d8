/**
 * The "raw" HTTP floor, in its own process like the apiserver: a bare node:http server doing the minimum the
 * apiserver must do on the wire. Configured by environment; reports {port} over IPC once listening.
 *  - GET /list: streams the bytes of $BENCH_RAW_LIST_FILE (a captured LIST response) in 64 KiB writes,
 *    honouring backpressure.
 *  - GET /watch: a chunked 200 whose headers are flushed at once, held open.
 *  - POST /write: the body plus '\n' is written to every open /watch, then answered 201 with the body.
 *  - POST /echo/NAME: reads the body, answers 201 with $BENCH_RAW_POD_FILE's bytes ("name":"probe" -> NAME).
 *  - POST /txn/NAME: the same, after an etcd create-if-absent txn of those bytes at $BENCH_RAW_ETCD_PREFIX/NAME
 *    on $BENCH_RAW_ETCD (the etcd3 client, options as in Etcd3Store): a Node HTTP front on etcd with no
 *    apiserver logic at all.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';

const env = process.env;
const listBytes = env.BENCH_RAW_LIST_FILE ? readFileSync(env.BENCH_RAW_LIST_FILE) : Buffer.alloc(0);
const podText = env.BENCH_RAW_POD_FILE ? readFileSync(env.BENCH_RAW_POD_FILE, 'utf8') : '{}';
const CHUNK = 64 * 1024;
const watches = new Set<http.ServerResponse>();

let etcd: Etcd3 | undefined;
if (env.BENCH_RAW_ETCD) {
  const passThrough = {
    execute: <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> =>
      Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
    onSuccess: () => ({ dispose: () => {} }),
    onFailure: () => ({ dispose: () => {} }),
  };
  const options: IOptions = {
    hosts: [env.BENCH_RAW_ETCD],
    faultHandling: { global: passThrough as unknown as NonNullable<IOptions['faultHandling']>['global'] },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 30_000 }),
  };
  etcd = new Etcd3(options);
}

function readAll(req: http.IncomingMessage, done: (body: Buffer) => void): void {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => done(Buffer.concat(parts)));
}

function reply(res: http.ServerResponse, code: number, body: string | Buffer): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url.startsWith('/list')) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    let off = 0;
    const pump = () => {
      while (off < listBytes.length) {
        const end = Math.min(off + CHUNK, listBytes.length);
        const ok = res.write(listBytes.subarray(off, end));
        off = end;
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  if (req.method === 'GET' && url.startsWith('/watch')) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    watches.add(res);
    res.on('close', () => watches.delete(res));
    return;
  }
  if (req.method === 'POST' && url.startsWith('/write')) {
    readAll(req, (body) => {
      const line = body.toString('utf8') + '\n';
      for (const w of watches) w.write(line);
      reply(res, 201, body);
    });
    return;
  }
  if (req.method === 'POST' && (url.startsWith('/echo/') || url.startsWith('/txn/'))) {
    const name = url.slice(url.indexOf('/', 1) + 1);
    readAll(req, () => {
      const text = podText.replace('"name":"probe"', `"name":"${name}"`);
      if (!url.startsWith('/txn/')) {
        reply(res, 201, text);
        return;
      }
      if (!etcd) {
        reply(res, 500, '{"message":"no BENCH_RAW_ETCD"}');
        return;
      }
      const key = Buffer.from(`${env.BENCH_RAW_ETCD_PREFIX ?? '/bench-raw-http'}/${name}`);
      etcd.kv
        .txn({
          compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [{ request_put: { key, value: Buffer.from(text) } }],
          failure: [],
        })
        .then(
          (r) => reply(res, r.succeeded ? 201 : 409, text),
          (e: unknown) => reply(res, 500, JSON.stringify({ message: String(e) })),
        );
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
});
process.on('disconnect', () => process.exit(0));
