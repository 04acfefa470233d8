import * as fs from 'node:fs';
import * as path from 'node:path';
import { runNodeAgent, type NodeAgentConfig, type RunningNodeAgent } from '../../../node-agent/main.ts';
import { serviceAccountsResource, type Clientset } from '../../../shared/client/clientset.ts';
import { startContainerd, type ContainerdInstance } from './containerd.ts';
import { containerdNodeAgentConfig, waitForNodeReady } from './containerd-node-agent.ts';
import { startSecuredTestServer, type SecuredTestServer, type SecuredTestServerOptions } from './secured-test-server.ts';
import { EKU, createTestLeaf } from './test-certificates.ts';

export interface SecuredContainerdNodeOptions {
  /** The node's name (its serving certificate's CN and DNS name, its `system:node:` identity). */
  node: string;
  /** Names the private containerd run (startContainerd's `name`). */
  containerd: string;
  /** Settings of the API server. */
  server?: SecuredTestServerOptions;
  /** Overrides of the node agent's settings (containerdNodeAgentConfig's defaults, plus the HTTPS API below). */
  agent?: Partial<NodeAgentConfig>;
}

export interface SecuredContainerdNode {
  server: SecuredTestServer;
  /** A Clientset acting as the cluster admin (`system:masters`). */
  admin: Clientset;
  cd: ContainerdInstance;
  agent: RunningNodeAgent;
  /** Stops the agent, the API server and containerd (in that order); containerd's problems are thrown. */
  close(): Promise<void>;
}

/**
 * One node of a secured cluster on a private containerd, as a kubeadm cluster wires it: an in-process HTTPS API
 * server (startSecuredTestServer: client CA, Node,RBAC) reaching the agent as `kube-apiserver-kubelet-client`
 * (a cluster admin) and verifying its serving certificate against the cluster CA; an in-process node agent with its
 * node identity (`system:node:NODE`), serving its API over HTTPS (a certificate for the node's IP and name, client
 * certificates from the cluster CA, else TokenReview). Returns once the Node is Ready and the default namespace has
 * its `default` ServiceAccount (as a controller manager would leave it). On a failure part-way, what was started is
 * stopped before the error is thrown.
 */
export async function startSecuredContainerdNode(opts: SecuredContainerdNodeOptions): Promise<SecuredContainerdNode> {
  const server = await startSecuredTestServer(opts.server);
  let cd: ContainerdInstance | undefined;
  let agent: RunningNodeAgent | undefined;
  const close = async (): Promise<void> => {
    await agent?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    await cd?.stop();
  };
  try {
    const admin = server.clientset({ cert: server.admin });
    cd = await startContainerd({ name: opts.containerd });
    const kubeletClient = await createTestLeaf(server.ca, { subject: 'CN=kube-apiserver-kubelet-client, O=system:masters' });
    server.registry.kubeletTLS = { cert: Buffer.from(kubeletClient.certPem), key: Buffer.from(kubeletClient.keyPem), ca: Buffer.from(server.ca.certPem) };
    const serving = await createTestLeaf(server.ca, { subject: `CN=${opts.node}`, usages: [EKU.serverAuth], ips: [cd.gateway], dns: [opts.node] });
    const files = { ca: path.join(server.dir, 'ca.crt'), cert: path.join(server.dir, 'agent.crt'), key: path.join(server.dir, 'agent.key') };
    fs.writeFileSync(files.cert, serving.certPem);
    fs.writeFileSync(files.key, serving.keyPem, { mode: 0o600 });
    const nodeCert = await server.clientCertificate(`CN=system:node:${opts.node}, O=system:nodes`);
    agent = await runNodeAgent(
      containerdNodeAgentConfig(cd, opts.node, {
        kubeconfig: server.kubeconfig({ cert: nodeCert }, 'node'),
        port: 0,
        clientCAFile: files.ca,
        tlsCertFile: files.cert,
        tlsPrivateKeyFile: files.key,
        ...opts.agent,
      }),
    );
    await waitForNodeReady(admin, opts.node);
    await admin.resource(serviceAccountsResource).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }).catch(() => undefined);
    return { server, admin, cd, agent, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
