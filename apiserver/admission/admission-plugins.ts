import type { Clock } from '../../shared/util/clock.ts';
import { AdmissionChain, type AdmissionPlugin } from './chain.ts';
import type { AdmissionLookups } from './lookups.ts';
import { NODE_RESTRICTION_PLUGIN, nodeRestrictionAdmission } from './plugins/node-restriction.ts';
import { SERVICE_ACCOUNT_PLUGIN, serviceAccountAdmission } from './plugins/service-account.ts';
import { POD_SECURITY_PLUGIN, podSecurityAdmission } from './pod-security/pod-security-admission.ts';

/** kube-apiserver's plugin names in its order (pkg/kubeapiserver/options/plugins.go AllOrderedPlugins). */
export const ALL_ORDERED_PLUGINS = [
  'AlwaysAdmit',
  'NamespaceAutoProvision',
  'NamespaceLifecycle',
  'NamespaceExists',
  'LimitPodHardAntiAffinityTopology',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'AlwaysPullImages',
  'ImagePolicyWebhook',
  'PodSecurity',
  'PodNodeSelector',
  'Priority',
  'DefaultTolerationSeconds',
  'PodTolerationRestriction',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'PersistentVolumeLabel',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'DenyServiceExternalIPs',
  'PodTopologyLabels',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'AlwaysDeny',
];

/** The plugins this package implements, in the chain's order. */
const IMPLEMENTED = [SERVICE_ACCOUNT_PLUGIN, NODE_RESTRICTION_PLUGIN, POD_SECURITY_PLUGIN];

export interface AdmissionPluginFlags {
  /** --enable-admission-plugins */
  enable?: string[];
  /** --disable-admission-plugins */
  disable?: string[];
  /**
   * The server is secured (TLS and authentication). ServiceAccount admission is on by default only then: the
   * loopback development server has no ServiceAccount controller behind it, and its clients create pods in
   * namespaces without a `default` ServiceAccount.
   */
  secured: boolean;
}

/**
 * The admission plugins that run, from the flags (options.AdmissionOptions): kube's default-on set for what
 * kubelab implements here (ServiceAccount on a secured server, NodeRestriction, PodSecurity), plus what
 * --enable-admission-plugins names, minus --disable-admission-plugins. Throws on an unknown name or a name in
 * both lists. NamespaceLifecycle, Priority and DefaultTolerationSeconds are built into the registry.
 */
export function enabledAdmissionPlugins(flags: AdmissionPluginFlags): string[] {
  const enable = flags.enable ?? [];
  const disable = flags.disable ?? [];
  for (const [flag, names] of [['enable-admission-plugins', enable], ['disable-admission-plugins', disable]] as const) {
    for (const n of names) if (!ALL_ORDERED_PLUGINS.includes(n)) throw new Error(`${flag} plugin "${n}" is unknown`);
  }
  const both = enable.filter((n) => disable.includes(n));
  if (both.length) throw new Error(`[${both.join(' ')}] in enable-admission-plugins and disable-admission-plugins overlapped`);
  const on = new Set([NODE_RESTRICTION_PLUGIN, POD_SECURITY_PLUGIN, ...(flags.secured ? [SERVICE_ACCOUNT_PLUGIN] : []), ...enable]);
  for (const n of disable) on.delete(n);
  return IMPLEMENTED.filter((n) => on.has(n));
}

export interface AdmissionChainOptions {
  clock?: Clock;
  /** ServiceAccount admission's volume-name generator (tests). */
  generateName?: (base: string) => string;
}

/** Builds the chain of the named plugins over the cluster lookups. */
export function buildAdmissionChain(names: string[], lookups: AdmissionLookups, options: AdmissionChainOptions = {}): AdmissionChain {
  const plugins: AdmissionPlugin[] = [];
  for (const name of IMPLEMENTED) {
    if (!names.includes(name)) continue;
    if (name === SERVICE_ACCOUNT_PLUGIN) plugins.push(serviceAccountAdmission(lookups, { clock: options.clock, generateName: options.generateName }));
    if (name === NODE_RESTRICTION_PLUGIN) plugins.push(nodeRestrictionAdmission(lookups));
    if (name === POD_SECURITY_PLUGIN) plugins.push(podSecurityAdmission(lookups, { clock: options.clock }));
  }
  return new AdmissionChain(plugins);
}
