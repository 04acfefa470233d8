import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClusterNetwork } from './network.ts';
import type { Daemon } from './supervisor.ts';

export interface NodeRecord {
  name: string;
  netns: string;
  ip: string;
  dir: string;
  containerdSocket: string;
  cgroupPrefix: string;
  cniConfDir: string;
}

/**
 * Everything `kubelab up` created, written as it goes (so an interrupted up can be torn down) to
 * `<state>/cluster.json`. `kubelab down` and `kubelab status` read it.
 */
export interface ClusterState {
  version: 1;
  stateDir: string;
  createdAt: string;
  options: Record<string, unknown>;
  network?: ClusterNetwork;
  daemons: Daemon[];
  nodes: NodeRecord[];
  apiserverURL?: string;
  kubeconfig?: string;
  /** The browser console (`kubelab console`, a daemon on the host's loopback), once started. */
  console?: { url: string; port: number };
  /** sysctls changed on the host, with their original values, restored by down. */
  sysctls: Record<string, string>;
  /** Mount points created under the state dir (tmpfs emptyDirs are the agent's; these are up's own). */
  mounts: string[];
}

export function statePath(stateDir: string): string {
  return join(resolve(stateDir), 'cluster.json');
}

export function loadState(stateDir: string): ClusterState | undefined {
  const p = statePath(stateDir);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as ClusterState;
}

export function saveState(state: ClusterState): void {
  mkdirSync(state.stateDir, { recursive: true });
  const p = statePath(state.stateDir);
  writeFileSync(p + '.tmp', JSON.stringify(state, null, 2));
  renameSync(p + '.tmp', p);
}

export function newState(stateDir: string, options: Record<string, unknown>): ClusterState {
  return { version: 1, stateDir: resolve(stateDir), createdAt: new Date().toISOString(), options, daemons: [], nodes: [], sysctls: {}, mounts: [] };
}
