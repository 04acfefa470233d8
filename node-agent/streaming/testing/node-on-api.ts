/**
 * For integration tests of the streaming subresources: the node agent's streaming server on a runtime, seeing
 * pods as the API server has them, registered as Node `n1` (InternalIP 127.0.0.1, kubelet endpoint its port).
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import type { ApiClient } from '../../../test/e2e/framework/kubectl.ts';
import type { RuntimeService } from '../../cri/services.ts';
import { createNodeStreamingServer, type NodeStreamingServer } from '../node-streaming-server.ts';

export async function startNodeOnApi(api: ApiClient, runtime: RuntimeService): Promise<NodeStreamingServer> {
  const srv = await createNodeStreamingServer({
    runtime,
    listen: { host: '127.0.0.1', port: 0 },
    getPod: async (ns, name) => {
      const r = await api.request('GET', `/api/v1/namespaces/${ns}/pods/${name}`);
      return r.status === 200 ? (r.json as Pod) : undefined;
    },
  });
  await api.createNode('n1', { internalIP: '127.0.0.1' });
  await api.mergePatch('/api/v1/nodes/n1/status', { status: { daemonEndpoints: { kubeletEndpoint: { Port: srv.port } } } });
  return srv;
}
