/**
 * Fixture for containerd.integration.test.ts: starts a containerd with one running pod that has a hostPort,
 * prints the instance as JSON, and waits to be killed (SIGKILL, so neither stop() nor exit hooks run).
 */
import * as fs from 'node:fs';
import { RemoteRuntime } from '../../../node-agent/cri/remote/remote-runtime.ts';
import { BUSYBOX_IMAGE, startContainerd } from './containerd.ts';

const cd = await startContainerd({ name: 'crash-fixture' });
const rt = new RemoteRuntime({ endpoint: cd.endpoint });
const logDirectory = `${cd.rootDir}/pod-logs/crash`;
fs.mkdirSync(logDirectory, { recursive: true });
const config = {
  metadata: { name: 'crash', uid: 'crash-uid', namespace: 'fixture', attempt: 0 },
  hostname: 'crash',
  logDirectory,
  portMappings: [{ containerPort: 8080, hostPort: Number(process.argv[2] ?? 31999) }],
  linux: { cgroupParent: `${cd.cgroupParent}/podcrash`, securityContext: { namespaceOptions: { network: 'POD' as const, pid: 'CONTAINER' as const, ipc: 'POD' as const } } },
};
const sandbox = await rt.runPodSandbox(config);
const c = await rt.createContainer(sandbox, { metadata: { name: 'sleeper', attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['sleep', '3600'], logPath: 'sleeper/0.log' }, config);
await rt.startContainer(c);
const { pid, stop: _stop, ...rest } = cd;
process.stdout.write(JSON.stringify({ ...rest, pid, fixturePid: process.pid }) + '\n');
setInterval(() => undefined, 1 << 30);
