/**
 * The CSR approving controller (kube-controller-manager pkg/controller/certificates/approver/sarapprove.go,
 * "csrapproving"), with kubelab's node-bound bootstrap rule and narrow serving-certificate approval
 * (docs/design/access-control.md). Pending CSRs only (no certificate, not approved, not denied):
 *
 * Signer kubernetes.io/kube-apiserver-client-kubelet, request a kubelet client certificate (O system:nodes,
 * CN system:node:<name>, no SANs, usages digital signature [+ key encipherment] + client auth):
 *   1. renewal: the requester is the node itself (spec.username == CN) and a SubjectAccessReview allows it
 *      `create certificatesigningrequests/selfnodeclient` -> approved, "Auto approving self kubelet client
 *      certificate after SubjectAccessReview.";
 *   2. kubelab: a bootstrapper (group system:bootstrappers) carrying `system:bootstrappers:kubelab:node:<name>`
 *      for exactly that node -> approved; a bootstrapper bound to other node(s) is never approved for this
 *      one (not even through rule 3);
 *   3. otherwise a SubjectAccessReview allowing `create certificatesigningrequests/nodeclient` -> approved,
 *      "Auto approving kubelet client certificate after SubjectAccessReview." (upstream's rule).
 * Signer kubernetes.io/kubelet-serving (kubelab only; upstream leaves these to an admin): requested by
 *   system:node:<name> in system:nodes for CN system:node:<name>, with every SAN among that Node's own
 *   status.addresses (IPs: InternalIP/ExternalIP; DNS: Hostname/InternalDNS/ExternalDNS) and no IP that
 *   another Node reports -> approved.
 * Anything else stays pending (upstream never denies): an admin may `kubectl certificate approve` it.
 */
import type { CertificateSigningRequest } from '../../../shared/api/certificates-v1.ts';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME, KUBELET_SERVING_SIGNER_NAME } from '../../../shared/api/certificates-v1.ts';
import type { Node } from '../../../shared/api/core-v1.ts';
import type { SharedInformerFactory } from '../../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../../shared/cache/shared-informer.ts';
import { certificateSigningRequestsResource, type Clientset } from '../../../shared/client/clientset.ts';
import { normalizeIP, parseCertificateRequest, type ParsedCertificateRequest } from '../../../shared/pki/certificate-request.ts';
import { realClock, type Clock } from '../../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../../shared/util/log.ts';
import { Controller } from '../../framework/controller.ts';
import { enqueueHandler } from '../../framework/handlers.ts';
import { TerminalError, type Reconciler } from '../../framework/reconciler.ts';
import {
  approvalState,
  newCSRClient,
  requestPem,
  subjectAccessReviewer,
  usageSet,
  validateKubeletClientCSR,
  validateKubeletServingCSR,
  withCondition,
  type AccessReviewer,
  type CSRClient,
} from '../csr-helpers.ts';

export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** The group kubelab's node-bound bootstrap tokens carry: `system:bootstrappers:kubelab:node:<node name>`. */
export const NODE_BOUND_BOOTSTRAP_GROUP_PREFIX = 'system:bootstrappers:kubelab:node:';

export const SELF_NODE_CLIENT_MESSAGE = 'Auto approving self kubelet client certificate after SubjectAccessReview.';
export const NODE_CLIENT_MESSAGE = 'Auto approving kubelet client certificate after SubjectAccessReview.';
export const NODE_BOUND_BOOTSTRAP_MESSAGE = 'Auto approving kubelet client certificate for the node its bootstrap token is bound to.';
export const SERVING_MESSAGE = "Auto approving kubelet serving certificate for the node's own addresses.";

/** Why a CSR was approved, or why not (null: not a request this controller recognizes). */
export interface ApprovalDecision {
  approve: boolean;
  message: string;
}

export interface CSRApprovingControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** @default SubjectAccessReviews through the clientset */
  reviewer?: AccessReviewer;
  /** @default approval writes through the clientset */
  csrClient?: CSRClient;
  /** @default 5 */
  workers?: number;
  clock?: Clock;
  log?: Logger;
}

const NODE_ADDRESS_IP_TYPES = new Set(['InternalIP', 'ExternalIP']);
const NODE_ADDRESS_DNS_TYPES = new Set(['Hostname', 'InternalDNS', 'ExternalDNS']);

export class CSRApprovingController implements Reconciler {
  readonly controller: Controller;
  readonly #csrs: SharedIndexInformer<CertificateSigningRequest>;
  readonly #nodes: SharedIndexInformer<Node>;
  readonly #reviewer: AccessReviewer;
  readonly #client: CSRClient;
  readonly #log: Logger;

  constructor(options: CSRApprovingControllerOptions) {
    const clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'csrapproving' });
    this.#csrs = options.informerFactory.informerFor<CertificateSigningRequest>(certificateSigningRequestsResource);
    this.#nodes = options.informerFactory.nodes<Node>();
    this.#reviewer = options.reviewer ?? subjectAccessReviewer(options.clientset.client);
    this.#client = options.csrClient ?? newCSRClient(options.clientset.client);
    this.controller = new Controller({ name: 'csrapproving', reconciler: this, workers: options.workers ?? 5, clock, log: options.log ?? rootLog });
    this.#csrs.addEventHandler(enqueueHandler<CertificateSigningRequest>((key) => this.controller.enqueue(key)));
    // A serving CSR may arrive before its Node reports the addresses it names: look again when the Node changes.
    this.#nodes.addEventHandler(
      enqueueHandler<Node>((key) => this.controller.enqueue(key), {
        keysOf: (node) =>
          this.#csrs.lister
            .list()
            .filter((c) => c.spec.signerName === KUBELET_SERVING_SIGNER_NAME && c.spec.username === `system:node:${node.metadata.name ?? ''}` && !c.status?.certificate && !(c.status?.conditions ?? []).length)
            .map((c) => c.metadata.name ?? ''),
      }),
    );
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, { hasSynced: [() => this.#csrs.hasSynced(), () => this.#nodes.hasSynced()] });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const csr = this.#csrs.lister.get(key);
    if (!csr) return;
    if (csr.status?.certificate) return;
    const { approved, denied } = approvalState(csr);
    if (approved || denied) return;
    let req: ParsedCertificateRequest;
    try {
      req = parseCertificateRequest(requestPem(csr));
    } catch (err) {
      throw new TerminalError(`unable to parse csr ${JSON.stringify(csr.metadata.name)}: ${(err as Error).message}`);
    }
    const decision = await this.decide(csr, req, signal);
    if (!decision) return;
    if (!decision.approve) {
      this.#log.info('Not approving CSR', { csr: csr.metadata.name, requester: csr.spec.username, reason: decision.message });
      return;
    }
    const updated = withCondition(csr, { type: 'Approved', status: 'True', reason: 'AutoApproved', message: decision.message });
    try {
      await this.#client.updateApproval(updated, signal);
    } catch (err) {
      throw new Error(`error updating approval for csr: ${(err as Error).message}`, { cause: err });
    }
    this.#log.info('Approved CSR', { csr: csr.metadata.name, requester: csr.spec.username, subject: req.commonName });
  }

  /** The decision for a pending CSR (exported for tests through the instance); null when not recognized. */
  async decide(csr: CertificateSigningRequest, req: ParsedCertificateRequest, signal?: AbortSignal): Promise<ApprovalDecision | null> {
    const usages = usageSet(csr.spec.usages);
    if (csr.spec.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME) {
      const invalid = validateKubeletClientCSR(req, usages);
      if (invalid) return { approve: false, message: `not a kubelet client certificate request: ${invalid}` };
      return this.#decideClient(csr, req, signal);
    }
    if (csr.spec.signerName === KUBELET_SERVING_SIGNER_NAME) {
      const invalid = validateKubeletServingCSR(req, usages);
      if (invalid) return { approve: false, message: `not a kubelet serving certificate request: ${invalid}` };
      return this.#decideServing(csr, req);
    }
    return null;
  }

  async #decideClient(csr: CertificateSigningRequest, req: ParsedCertificateRequest, signal?: AbortSignal): Promise<ApprovalDecision> {
    const user = csr.spec.username ?? '';
    const groups = csr.spec.groups ?? [];
    const review = (subresource: string) =>
      this.#reviewer(
        {
          user,
          ...(csr.spec.uid ? { uid: csr.spec.uid } : {}),
          groups,
          ...(csr.spec.extra ? { extra: csr.spec.extra } : {}),
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource, version: '*' },
        },
        signal,
      );
    const tried: string[] = [];
    if (user === req.commonName) {
      tried.push('selfnodeclient');
      if (await review('selfnodeclient')) return { approve: true, message: SELF_NODE_CLIENT_MESSAGE };
    }
    const nodeName = req.commonName.slice('system:node:'.length);
    const boundTo = groups.filter((g) => g.startsWith(NODE_BOUND_BOOTSTRAP_GROUP_PREFIX)).map((g) => g.slice(NODE_BOUND_BOOTSTRAP_GROUP_PREFIX.length));
    if (groups.includes(BOOTSTRAPPERS_GROUP) && boundTo.length > 0) {
      if (boundTo.includes(nodeName)) return { approve: true, message: NODE_BOUND_BOOTSTRAP_MESSAGE };
      return { approve: false, message: `the bootstrap token is bound to node(s) [${boundTo.join(' ')}], not to ${nodeName}` };
    }
    tried.push('nodeclient');
    if (await review('nodeclient')) return { approve: true, message: NODE_CLIENT_MESSAGE };
    return { approve: false, message: `recognized csr ${JSON.stringify(csr.metadata.name)} as [${tried.join(' ')}] but subject access review was not approved` };
  }

  #decideServing(csr: CertificateSigningRequest, req: ParsedCertificateRequest): ApprovalDecision {
    const user = csr.spec.username ?? '';
    if (user !== req.commonName || !(csr.spec.groups ?? []).includes('system:nodes')) {
      return { approve: false, message: `serving certificates are approved only for the node itself (requester ${user})` };
    }
    const nodeName = req.commonName.slice('system:node:'.length);
    const node = this.#nodes.lister.get(nodeName);
    if (!node) return { approve: false, message: `node ${nodeName} does not exist` };
    const addresses = node.status?.addresses ?? [];
    const ips = new Set(addresses.filter((a) => NODE_ADDRESS_IP_TYPES.has(a.type)).map((a) => normalizeIP(a.address)));
    const names = new Set(addresses.filter((a) => NODE_ADDRESS_DNS_TYPES.has(a.type)).map((a) => a.address.toLowerCase()));
    for (const ip of req.ipAddresses) {
      if (!ips.has(ip)) return { approve: false, message: `IP address ${ip} is not an address of node ${nodeName}` };
      const other = this.#nodes.lister.list().find((n) => n.metadata.name !== nodeName && (n.status?.addresses ?? []).some((a) => NODE_ADDRESS_IP_TYPES.has(a.type) && normalizeIP(a.address) === ip));
      if (other) return { approve: false, message: `IP address ${ip} is also an address of node ${other.metadata.name ?? ''}` };
    }
    for (const dns of req.dnsNames) {
      if (!names.has(dns.toLowerCase())) return { approve: false, message: `DNS name ${dns} is not an address of node ${nodeName}` };
    }
    return { approve: true, message: SERVING_MESSAGE };
  }
}
