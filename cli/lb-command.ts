import { parseFlags, usage, FlagError, type FlagSpec } from './flags.ts';
import type { Command } from './main.ts';
import { TcpProxy, type Backend } from '../deploy/cluster/tcp-proxy.ts';
import { log } from '../shared/util/log.ts';

const specs: FlagSpec[] = [
  { name: 'listen', type: 'string', help: 'address:port to accept on' },
  { name: 'backends', type: 'string', help: 'comma-separated host:port of the API servers' },
];

function hostPort(s: string, flag: string): Backend {
  const m = /^(.+):(\d+)$/.exec(s.trim());
  if (!m) throw new FlagError(`${flag}: want host:port, got ${JSON.stringify(s)}`);
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** `kubelab lb`: the TCP load balancer in front of several API servers. */
export const lbCommand: Command = {
  name: 'lb',
  summary: 'Run a TCP load balancer in front of several API servers',
  usage: () => usage('lb', 'Spreads connections over API servers and skips the ones that are down (TLS passes through).', specs),
  async run(args) {
    const { values, rest } = parseFlags(args, specs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    if (!values['listen'] || !values['backends']) throw new FlagError('--listen and --backends are required');
    const listen = hostPort(String(values['listen']), '--listen');
    const backends = String(values['backends']).split(',').filter(Boolean).map((b) => hostPort(b, '--backends'));
    const proxy = new TcpProxy(backends);
    await proxy.listen(listen.host, listen.port);
    log.info('kubelab lb ready', { listen: `${listen.host}:${listen.port}`, backends: backends.map((b) => `${b.host}:${b.port}`).join(',') });
    await new Promise<void>((resolve) => {
      const stop = () => void proxy.close().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
