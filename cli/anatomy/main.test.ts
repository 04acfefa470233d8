import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newNotFound, newStatus, StatusError } from '../../shared/errors/status-error.ts';
import type { RequestOptions } from '../../shared/client/rest-client.ts';
import { parseAnatomyArgs, UsageError } from './anatomy-options.ts';
import { runAnatomy, terminalWidth, useColor, type AnatomyClient, type AnatomyIO } from './main.ts';
import { renderAnatomy } from './render-anatomy.ts';
import { anatomyDemo } from './testdata/anatomy-demo.ts';

test('flags as kubectl parses them: short, long, attached, =, anywhere; pod NAME, pods NAME, po NAME, pod/NAME', () => {
  assert.deepEqual(parseAnatomyArgs(['pod', 'web']), { help: false, pod: 'web', output: 'text' });
  assert.deepEqual(parseAnatomyArgs(['-n', 'shop', 'pod', 'web', '-o', 'json']), { help: false, pod: 'web', output: 'json', namespace: 'shop' });
  assert.deepEqual(parseAnatomyArgs(['pods', 'web', '-nshop', '-ojson']), { help: false, pod: 'web', output: 'json', namespace: 'shop' });
  assert.deepEqual(parseAnatomyArgs(['po/web', '-n=shop', '--output=text']), { help: false, pod: 'web', output: 'text', namespace: 'shop' });
  assert.deepEqual(parseAnatomyArgs(['pod', 'web', '--namespace', 'a', '--kubeconfig', '/k', '--context=c']), { help: false, pod: 'web', output: 'text', namespace: 'a', kubeconfig: '/k', context: 'c' });
  assert.deepEqual(parseAnatomyArgs(['--', 'pod', '-weird']), { help: false, pod: '-weird', output: 'text' });
  assert.equal(parseAnatomyArgs(['--help']).help, true);
  assert.equal(parseAnatomyArgs(['pod', 'x', '-h']).help, true);
});

test('bad command lines are usage errors in kubectl\'s words', () => {
  const message = (args: string[]) => {
    try {
      parseAnatomyArgs(args);
    } catch (err) {
      assert.ok(err instanceof UsageError);
      return err.message;
    }
    return 'no error';
  };
  assert.equal(message(['pod', 'x', '-o', 'yaml']), 'unable to match a printer suitable for the output format "yaml", allowed formats are: json,text');
  assert.equal(message(['pod', 'x', '--foo']), 'unknown flag: --foo');
  assert.equal(message(['pod', 'x', '-x']), "unknown shorthand flag: 'x' in -x");
  assert.equal(message(['pod', 'x', '-n']), "flag needs an argument: 'n' in -n");
  assert.equal(message(['pod', 'x', '--namespace']), 'flag needs an argument: --namespace');
  assert.equal(message([]), 'you must specify the pod to draw: kubectl anatomy pod NAME');
  assert.equal(message(['pod']), 'you must specify the pod to draw: kubectl anatomy pod NAME');
  assert.equal(message(['deploy', 'x']), 'kubectl anatomy draws pods only, not "deploy": kubectl anatomy pod NAME');
  assert.equal(message(['pod', 'a', 'b']), 'kubectl anatomy draws one pod; unexpected arguments: b');
});

interface Harness {
  io: AnatomyIO;
  out: () => string;
  err: () => string;
  requests: string[];
}

/** A fake API server: pods by ns/name, anatomies by node/ns/name; records request paths. */
function harness(options: { tty?: boolean; columns?: number; env?: Record<string, string>; nodeName?: string | null; anatomyAnswer?: unknown; contextNamespace?: string } = {}): Harness {
  let out = '';
  let err = '';
  const requests: string[] = [];
  const client: AnatomyClient = {
    async request<T>(req: RequestOptions): Promise<T> {
      requests.push(req.path);
      const pod = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(req.path);
      if (pod) {
        if (pod[2] !== 'anatomy-demo' || pod[1] !== 'default') throw newNotFound('pods', decodeURIComponent(pod[2] ?? ''));
        const nodeName = options.nodeName === undefined ? 'n1' : options.nodeName;
        return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'anatomy-demo', namespace: 'default' }, spec: { containers: [], ...(nodeName ? { nodeName } : {}) } } as T;
      }
      if (req.path === '/api/v1/nodes/n1/proxy/anatomy/default/anatomy-demo') return (options.anatomyAnswer ?? anatomyDemo()) as T;
      throw new StatusError(newStatus(404, 'NotFound', 'the server could not find the requested resource'));
    },
  };
  const io: AnatomyIO = {
    stdout: { write: (t: string) => (out += t), isTTY: options.tty ?? false, ...(options.columns !== undefined ? { columns: options.columns } : {}) },
    stderr: { write: (t: string) => (err += t) },
    env: options.env ?? {},
    connect: () => ({ client, namespace: options.contextNamespace ?? 'default' }),
  };
  return { io, out: () => out, err: () => err, requests };
}

test('the pod is read, then its node is asked through the API server\'s node proxy; text at the terminal\'s width', async () => {
  const h = harness({ columns: 100 });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo'], h.io), 0);
  assert.deepEqual(h.requests, ['/api/v1/namespaces/default/pods/anatomy-demo', '/api/v1/nodes/n1/proxy/anatomy/default/anatomy-demo']);
  assert.equal(h.out(), renderAnatomy(anatomyDemo(), { width: 100, color: false }).join('\n') + '\n');
  assert.equal(h.err(), '');
});

test('-o json prints the agent\'s document as it came, pretty', async () => {
  const answer = { ...anatomyDemo(), futureField: { kept: true } };
  const h = harness({ anatomyAnswer: answer });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo', '-o', 'json'], h.io), 0);
  assert.equal(h.out(), JSON.stringify(answer, null, 2) + '\n');
  assert.deepEqual(JSON.parse(h.out()), answer);
});

test('the namespace defaults to the kubeconfig context\'s; -n overrides it', async () => {
  const h = harness({ contextNamespace: 'shop' });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo'], h.io), 1);
  assert.deepEqual(h.requests, ['/api/v1/namespaces/shop/pods/anatomy-demo']);
  assert.equal(h.err(), 'Error from server (NotFound): pods "anatomy-demo" not found\n');
  const h2 = harness({ contextNamespace: 'shop' });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo', '-n', 'default'], h2.io), 0);
});

test('errors in kubectl\'s style, exit 1', async () => {
  const missing = harness();
  assert.equal(await runAnatomy(['pod', 'x'], missing.io), 1);
  assert.equal(missing.err(), 'Error from server (NotFound): pods "x" not found\n');
  assert.equal(missing.out(), '');

  const pending = harness({ nodeName: null });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo'], pending.io), 1);
  assert.equal(pending.err(), 'error: pod "anatomy-demo" is not scheduled to a node yet: its anatomy exists once a node runs it\n');

  const notAnatomy = harness({ anatomyAnswer: { kind: 'Status' } });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo'], notAnatomy.io), 1);
  assert.match(notAnatomy.err(), /^error: node "n1" did not answer with a PodAnatomy for pod "anatomy-demo"/);

  const usage = harness();
  assert.equal(await runAnatomy(['pod', 'x', '-o', 'wide'], usage.io), 1);
  assert.equal(usage.err(), 'error: unable to match a printer suitable for the output format "wide", allowed formats are: json,text\nSee \'kubectl anatomy --help\' for usage.\n');

  const unauthorized = harness();
  unauthorized.io.connect = () => ({
    client: { request: () => Promise.reject(new StatusError(newStatus(401, 'Unauthorized', 'Unauthorized'))) },
    namespace: 'default',
  });
  assert.equal(await runAnatomy(['pod', 'x'], unauthorized.io), 1);
  assert.equal(unauthorized.err(), 'error: You must be logged in to the server (Unauthorized)\n');

  const badConfig = harness();
  badConfig.io.connect = () => {
    throw new Error('Cannot load kubeconfig as context "nope" does not exist');
  };
  assert.equal(await runAnatomy(['pod', 'x', '--context', 'nope'], badConfig.io), 1);
  assert.equal(badConfig.err(), 'error: Cannot load kubeconfig as context "nope" does not exist\n');
});

test('colour only on a TTY without NO_COLOR; width from the TTY, $COLUMNS, else 80', async () => {
  assert.equal(useColor({ write: () => 0, isTTY: true }, {}), true);
  assert.equal(useColor({ write: () => 0, isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(useColor({ write: () => 0, isTTY: false }, {}), false);
  assert.equal(terminalWidth({ write: () => 0, columns: 132 }, { COLUMNS: '50' }), 132);
  assert.equal(terminalWidth({ write: () => 0 }, { COLUMNS: '50' }), 50);
  assert.equal(terminalWidth({ write: () => 0 }, {}), 80);

  const tty = harness({ tty: true, columns: 80 });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo'], tty.io), 0);
  assert.ok(tty.out().includes('\x1b[32mrunning\x1b[0m'));
  const noColor = harness({ tty: true, columns: 80, env: { NO_COLOR: '1' } });
  assert.equal(await runAnatomy(['pod', 'anatomy-demo'], noColor.io), 0);
  assert.ok(!noColor.out().includes('\x1b['));
  assert.equal(noColor.out(), renderAnatomy(anatomyDemo(), { width: 80, color: false }).join('\n') + '\n');
});

test('transport failures in kubectl\'s words: a refused connection names the server', async () => {
  const { RestClient } = await import('../../shared/client/rest-client.ts');
  const { createServer } = await import('node:net');
  // A port that was free a moment ago: nothing listens on it.
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const h = harness();
  h.io.connect = () => ({ client: new RestClient({ server: `https://127.0.0.1:${port}`, timeoutMs: 5_000 }), namespace: 'default' });
  assert.equal(await runAnatomy(['pod', 'x'], h.io), 1);
  assert.equal(h.err(), `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?\n`);
});

test('kubectlErrorMessage: Status with and without a reason, TLS failures, timeouts, anything else', async () => {
  const { kubectlErrorMessage } = await import('./kubectl-error.ts');
  assert.equal(kubectlErrorMessage(new StatusError(newStatus(403, 'Forbidden', 'nodes "n1" is forbidden: no'))), 'Error from server (Forbidden): nodes "n1" is forbidden: no');
  assert.equal(kubectlErrorMessage(new StatusError({ ...newStatus(500, 'InternalError', 'boom'), reason: undefined } as never)), 'Error from server: boom');
  const tls = Object.assign(new Error('Cannot GET /api/v1/namespaces/default/pods/x as the connection to 10.0.0.1:6443 failed: self-signed certificate'), {
    code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
  });
  assert.equal(kubectlErrorMessage(tls), 'Unable to connect to the server: self-signed certificate');
  const timeout = Object.assign(new Error('Cannot GET /x as the request timed out after 30000ms'), { name: 'TimeoutError' });
  assert.equal(kubectlErrorMessage(timeout), 'Unable to connect to the server: Cannot GET /x as the request timed out after 30000ms');
  assert.equal(kubectlErrorMessage(new Error('something else')), 'error: something else');
  assert.equal(kubectlErrorMessage('a string'), 'error: a string');
});
