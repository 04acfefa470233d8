import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAPIServer, type RunningAPIServer } from '../../../apiserver/main.ts';
import type { Storage } from '../../../apiserver/storage/interfaces.ts';
import type { Clock } from '../../../shared/util/clock.ts';
import type { EndpointReconcilerConfig } from '../../../apiserver/controlplane/endpoint-reconciler-setup.ts';
import { writeKubeconfigFile } from './kubeconfig-file.ts';

export interface TestServer extends RunningAPIServer {
  /** A kubeconfig file pointing at the server (no auth, plain http). */
  kubeconfig: string;
  dataDir: string;
}

/**
 * An in-process apiserver on 127.0.0.1:<free port> with its own embedded store in a temp dir (or the given
 * storage, e.g. an Etcd3Store with a unique prefix). `close()` stops it and removes the temp dir (a `dataDir`
 * passed in is kept). `port` pins the port (to restart a server where its clients expect it). `endpointReconciler`
 * turns on the kubernetes Service's endpoint reconciler (default off: `{ type: 'none' }`; `kubelab apiserver` runs it).
 */
export async function startTestServer(
  opts: { storage?: Storage; dataDir?: string; clock?: Clock; minorVersion?: number; port?: number; endpointReconciler?: EndpointReconcilerConfig } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kubelab-apiserver-'));
  const server = await runAPIServer({
    host: '127.0.0.1',
    port: opts.port ?? 0,
    dataDir,
    storage: opts.storage,
    clock: opts.clock,
    minorVersion: opts.minorVersion,
    // Off unless asked for: its lease renewals are writes, which tests counting revisions must not see.
    endpointReconciler: opts.endpointReconciler ?? { type: 'none' },
    logLevel: (process.env.KUBELAB_TEST_LOG as 'debug' | undefined) ?? 'warn',
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  writeKubeconfigFile(kubeconfig, { server: server.url });
  return {
    ...server,
    kubeconfig,
    dataDir,
    async close() {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
