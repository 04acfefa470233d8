import type { Container, Namespace, Pod } from '../../../shared/api/core-v1.ts';
import { StatusError, newStatus } from '../../../shared/errors/status-error.ts';
import type { Clock } from '../../../shared/util/clock.ts';
import { realClock } from '../../../shared/util/clock.ts';
import { log } from '../../../shared/util/log.ts';
import type { AdmissionAttributes } from '../admission.ts';
import { forbidden, type AdmissionPlugin } from '../chain.ts';
import type { AdmissionLookups } from '../lookups.ts';
import { aggregate, evaluatePod, forbiddenDetail, forbiddenReason, type AggregateResult, type CheckPodMeta, type CheckPodSpec } from './checks.ts';
import {
  AUDIT_ANNOTATION_PREFIX,
  DEFAULT_POLICY,
  aggregateMessage,
  compareLevels,
  levelVersionString,
  policyToEvaluate,
  sameLevelVersion,
  sameVersion,
  type LevelVersion,
  type Policy,
} from './policy.ts';

export const POD_SECURITY_PLUGIN = 'PodSecurity';

export interface PodSecurityOptions {
  defaults?: Policy;
  exemptions?: { usernames?: string[]; namespaces?: string[]; runtimeClasses?: string[] };
  /** How many existing pods a namespace update checks, and for how long (upstream: 3000 and 1 s). */
  namespaceMaxPodsToCheck?: number;
  namespacePodCheckTimeoutMs?: number;
  clock?: Clock;
  /** Where audit annotations go (we keep no audit log: a log line by default). */
  audit?: (a: AdmissionAttributes, annotations: Record<string, string>) => void;
}

/** Pod subresources that cannot change the pod spec (ignoredPodSubresources). */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/**
 * Pod Security admission (k8s.io/pod-security-admission, kube-apiserver's built-in PodSecurity plugin):
 * pods are checked against their namespace's `pod-security.kubernetes.io/{enforce,audit,warn}` levels at
 * their `-version`s. Enforce refuses (`violates PodSecurity "baseline:latest": ...`), warn adds a Warning
 * (`would violate PodSecurity ...`), audit records an annotation. Namespace labels are validated, and a
 * namespace update that tightens enforce warns about the existing pods that would violate it.
 */
export function podSecurityAdmission(lookups: AdmissionLookups, options: PodSecurityOptions = {}): AdmissionPlugin {
  const defaults = options.defaults ?? DEFAULT_POLICY;
  const exemptUsers = new Set(options.exemptions?.usernames ?? []);
  const exemptNamespaces = new Set(options.exemptions?.namespaces ?? []);
  const exemptRuntimeClasses = new Set(options.exemptions?.runtimeClasses ?? []);
  const maxPods = options.namespaceMaxPodsToCheck ?? 3000;
  const timeoutMs = options.namespacePodCheckTimeoutMs ?? 1000;
  const clock = options.clock ?? realClock;
  const audit =
    options.audit ??
    ((a: AdmissionAttributes, annotations: Record<string, string>) =>
      log.info('PodSecurity audit', { namespace: a.namespace, name: a.name || a.object?.metadata.name, user: a.user.name, operation: a.operation, ...annotations }));

  const isExemptRuntimeClass = (spec: CheckPodSpec & { runtimeClassName?: string }) => !!spec.runtimeClassName && exemptRuntimeClasses.has(spec.runtimeClassName);

  function validateNamespace(a: AdmissionAttributes): Promise<void> | void {
    if (a.subresource !== '') return;
    const ns = a.object as Namespace;
    const next = policyToEvaluate(ns.metadata.labels, defaults);
    if (a.operation === 'CREATE') {
      if (next.errors.length) throw invalid(a, aggregateMessage(next.errors));
      return;
    }
    if (a.operation !== 'UPDATE') return;
    const old = policyToEvaluate((a.oldObject as Namespace).metadata.labels, defaults);
    if (next.errors.length && (!old.errors.length || aggregateMessage(next.errors) !== aggregateMessage(old.errors))) {
      throw invalid(a, aggregateMessage(next.errors));
    }
    const enforce = next.policy.enforce;
    const oldEnforce = old.policy.enforce;
    if (sameLevelVersion(enforce, oldEnforce)) return;
    if (enforce.level === 'privileged') return;
    if (sameVersion(enforce.version, oldEnforce.version) && compareLevels(enforce.level, oldEnforce.level) < 1) return;
    if (exemptNamespaces.has(ns.metadata.name ?? '')) return;
    return evaluatePodsInNamespace(ns.metadata.name ?? '', enforce).then((w) => {
      a.warnings.push(...w);
    });
  }

  async function evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const deadline = clock.now() + timeoutMs;
    let pods: Pod[];
    try {
      pods = await lookups.listPods(namespace);
    } catch (e) {
      log.error('failed to list pods', { namespace, error: e instanceof Error ? e.message : String(e) });
      return ['failed to list pods while checking new PodSecurity enforce level'];
    }
    const total = pods.length;
    if (pods.length > maxPods) pods = pods.slice(0, maxPods);
    let checked = pods.length;
    const order: string[] = [];
    const counts = new Map<string, { podName: string; count: number }>();
    for (const [i, pod] of pods.entries()) {
      const spec = (pod.spec ?? { containers: [] }) as CheckPodSpec & { runtimeClassName?: string };
      if (!isExemptRuntimeClass(spec)) {
        const r = aggregate(evaluatePod(enforce, pod.metadata as CheckPodMeta, spec));
        if (!r.allowed) {
          const warning = forbiddenReason(r);
          const name = pod.metadata.name ?? '';
          const c = counts.get(warning);
          if (!c) {
            counts.set(warning, { podName: name, count: 1 });
            order.push(warning);
          } else {
            c.count++;
            if (name < c.podName) c.podName = name;
          }
        }
      }
      if (clock.now() > deadline) {
        checked = i + 1;
        break;
      }
    }
    const warnings: string[] = [];
    if (checked < total) warnings.push(`new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`);
    if (order.length) warnings.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
    const decorated = order.map((w) => {
      const c = counts.get(w) as { podName: string; count: number };
      if (c.count === 1) return `${c.podName}: ${w}`;
      if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
      return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
    });
    decorated.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return [...warnings, ...decorated];
  }

  async function validatePod(a: AdmissionAttributes): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(a.subresource)) return;
    if ((a.namespace && exemptNamespaces.has(a.namespace)) || (a.user.name && exemptUsers.has(a.user.name))) return;
    const ns = await lookups.getNamespace(a.namespace);
    if (!ns) throw new StatusError(newStatus(500, 'InternalError', `failed to lookup namespace ${a.namespace}`));
    const { policy, errors } = policyToEvaluate(ns.metadata.labels, defaults);
    if (!errors.length && policy.enforce.level === 'privileged' && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const pod = a.object as Pod;
    if (a.operation === 'UPDATE' && !isSignificantPodUpdate(pod, a.oldObject as Pod)) return;
    const spec = (pod.spec ?? { containers: [] }) as CheckPodSpec & { runtimeClassName?: string };
    if (isExemptRuntimeClass(spec)) return;
    const meta = pod.metadata as CheckPodMeta;
    const annotations: Record<string, string> = {};
    if (errors.length) annotations[`${AUDIT_ANNOTATION_PREFIX}error`] = `Failed to parse policy: ${aggregateMessage(errors)}`;
    const cache = new Map<string, AggregateResult>();
    const evaluate = (lv: LevelVersion) => {
      const key = levelVersionString(lv);
      let r = cache.get(key);
      if (!r) cache.set(key, (r = aggregate(evaluatePod(lv, meta, spec))));
      return r;
    };
    const enforced = evaluate(policy.enforce);
    const auditResult = evaluate(policy.audit);
    if (!auditResult.allowed) {
      annotations[`${AUDIT_ANNOTATION_PREFIX}audit-violations`] = `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(auditResult)}`;
    }
    if (Object.keys(annotations).length) audit(a, annotations);
    if (!enforced.allowed) {
      throw forbidden(a, `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(enforced)}`);
    }
    // No warnings on a request that is refused anyway.
    const warnResult = evaluate(policy.warn);
    if (!warnResult.allowed) a.warnings.push(`would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(warnResult)}`);
  }

  return {
    name: POD_SECURITY_PLUGIN,
    handles(a) {
      if (a.resource.group !== '' || !a.object) return false;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
      return a.resource.resource === 'pods' || a.resource.resource === 'namespaces';
    },
    validate(a) {
      return a.resource.resource === 'namespaces' ? validateNamespace(a) : validatePod(a);
    },
  };
}

/** A namespace label error: 422 Invalid carrying only the label errors as its message. */
function invalid(a: AdmissionAttributes, message: string): StatusError {
  return new StatusError(newStatus(422, 'Invalid', message, { name: a.name || a.object?.metadata.name || '', kind: 'namespaces' }));
}

/**
 * isSignificantPodUpdate: only changes that can alter the evaluation re-run it (images and seccomp
 * annotations of existing containers, added or removed containers, added ephemeral containers).
 */
export function isSignificantPodUpdate(pod: Pod, old: Pod): boolean {
  const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
  const ann = pod.metadata.annotations ?? {};
  const oldAnn = old.metadata.annotations ?? {};
  if (ann[SECCOMP_POD] !== oldAnn[SECCOMP_POD]) return true;
  const spec = pod.spec ?? { containers: [] };
  const oldSpec = old.spec ?? { containers: [] };
  const cs = spec.containers ?? [];
  const oldCs = oldSpec.containers ?? [];
  const ics = spec.initContainers ?? [];
  const oldIcs = oldSpec.initContainers ?? [];
  if (cs.length !== oldCs.length || ics.length !== oldIcs.length) return true;
  const significant = (c: Container, o: Container) => {
    if (c.image !== o.image) return true;
    const key = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
    return ann[key] !== oldAnn[key];
  };
  for (let i = 0; i < cs.length; i++) if (significant(cs[i] as Container, oldCs[i] as Container)) return true;
  for (let i = 0; i < ics.length; i++) if (significant(ics[i] as Container, oldIcs[i] as Container)) return true;
  for (const c of spec.ephemeralContainers ?? []) {
    const o = (oldSpec.ephemeralContainers ?? []).find((x) => x.name === c.name);
    if (!o || significant(c, o)) return true;
  }
  return false;
}
