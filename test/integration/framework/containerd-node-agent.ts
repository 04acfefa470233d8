import { join } from 'node:path';
import type { NodeAgentConfig } from '../../../node-agent/main.ts';
import type { Node, Pod } from '../../../shared/api/core-v1.ts';
import { isPodReady } from '../../../shared/api/pod-util.ts';
import type { Clientset } from '../../../shared/client/clientset.ts';
import { silentLogger } from '../../../shared/util/log.ts';
import type { ContainerdInstance } from './containerd.ts';
import { until } from './until.ts';

/**
 * A node agent on a test containerd (startContainerd): the CRI runtime on its socket, a root dir under the
 * run's, the run's bridge gateway as node IP, cgroup prefix and pod subnet, no agent API port, a silent log.
 * `extra` adds the credentials (kubeconfig, server or clientset) and overrides the rest.
 */
export function containerdNodeAgentConfig(cd: ContainerdInstance, nodeName: string, extra: Partial<NodeAgentConfig> = {}): NodeAgentConfig {
  return {
    nodeName,
    runtime: 'cri',
    containerRuntimeEndpoint: cd.endpoint,
    rootDir: join(cd.rootDir, 'agent'),
    nodeIP: cd.gateway,
    cgroupPrefix: cd.cgroupParent,
    podCIDR: cd.subnet,
    port: null,
    log: silentLogger(),
    ...extra,
  };
}

/** Waits (bounded) until the Node reports Ready=True; returns it. */
export function waitForNodeReady(cs: Clientset, name: string, timeoutMs = 30_000): Promise<Node> {
  return until(`node ${name} Ready`, async () => {
    const n = (await cs.nodes.get('', name)) as Node;
    return n.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True' ? n : undefined;
  }, timeoutMs);
}

/** Waits (bounded) until the pod is Running and Ready=True; returns it. */
export function waitForPodReady(cs: Clientset, namespace: string, name: string, timeoutMs = 90_000): Promise<Pod> {
  return until(`${namespace}/${name} Running and Ready`, async () => {
    const p = (await cs.pods.get(namespace, name)) as Pod;
    return p.status?.phase === 'Running' && isPodReady(p) ? p : undefined;
  }, timeoutMs);
}
