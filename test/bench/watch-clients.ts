/**
 * A watcher process for the fan-out scenario: opens `count` chunked HTTP watches (each its own connection) on
 * `url` and reports, per object name, the CLOCK_MONOTONIC time at which every one of its watches received the
 * event line. Driven over IPC:
 *   parent -> {cmd: 'open', url, count}      child -> {type: 'established', count}
 *                                            child -> {type: 'event', name, recv: number[]}   (all watches saw it)
 *   parent -> {cmd: 'close'}                 child -> {type: 'closed'}
 *   child -> {type: 'error', message}        (a watch failed or ended early)
 */
import http from 'node:http';
import { nowMs } from './lib/stats.ts';

interface OpenCmd {
  cmd: 'open';
  url: string;
  count: number;
}
type Cmd = OpenCmd | { cmd: 'close' };

const NAME = '"name":"';
let requests: http.ClientRequest[] = [];
let closing = false;
const seen = new Map<string, number[]>();
let expected = 0;

function send(m: object): void {
  process.send?.(m);
}

function record(name: string, t: number): void {
  let times = seen.get(name);
  if (!times) seen.set(name, (times = []));
  times.push(t);
  if (times.length === expected) {
    seen.delete(name);
    send({ type: 'event', name, recv: times });
  }
}

function open(cmd: OpenCmd): void {
  expected = cmd.count;
  closing = false;
  let established = 0;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const openOne = () => {
    const req = http.get(cmd.url, { agent, headers: { Accept: 'application/json', 'User-Agent': 'kubelab-bench-watch/1' } }, (res) => {
      if (res.statusCode !== 200) {
        send({ type: 'error', message: `watch ${cmd.url}: HTTP ${res.statusCode}` });
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        const t = nowMs();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          // The first "name" in an event is metadata.name (metadata leads with it); cheap and exact enough.
          const at = line.indexOf(NAME);
          if (at < 0) continue;
          const end = line.indexOf('"', at + NAME.length);
          record(line.slice(at + NAME.length, end), t);
        }
      });
      res.on('end', () => {
        if (!closing) send({ type: 'error', message: `watch ${cmd.url} ended early` });
      });
      if (++established === cmd.count) send({ type: 'established', count: established });
    });
    req.on('error', (e) => {
      if (!closing) send({ type: 'error', message: `watch ${cmd.url}: ${e.message}` });
    });
    requests.push(req);
  };
  // Open in small batches so the server's accept backlog is never the bottleneck.
  let opened = 0;
  const batch = () => {
    for (let i = 0; i < 50 && opened < cmd.count; i++, opened++) openOne();
    if (opened < cmd.count) setTimeout(batch, 5);
  };
  batch();
}

process.on('message', (m: Cmd) => {
  if (m.cmd === 'open') open(m);
  else if (m.cmd === 'close') {
    closing = true;
    for (const r of requests) r.destroy();
    requests = [];
    seen.clear();
    send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
