import type { Service } from '../../../../shared/api/core-v1.ts';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { GenericStore } from '../../generic/store.ts';

/**
 * At start, the `https` port of an existing `kubernetes` Service is made to target this API server's
 * advertised port (the reconcile=true pass of kube-apiserver's kubernetes Service controller, which resets the
 * ports when they are not what it expects). Nothing is written when it already does.
 */
export async function ensureKubernetesServiceTargetPort(services: GenericStore, targetPort: number): Promise<void> {
  const current = (await services.get('default', 'kubernetes')) as Service;
  const ports = current.spec?.ports ?? [];
  const https = ports.find((p) => p.name === 'https');
  if (https && https.targetPort === targetPort && ports.length === 1) return;
  await services.update('default', 'kubernetes', (latest) => {
    const svc = structuredClone((latest ?? current) as Service);
    svc.spec = { ...(svc.spec ?? {}), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort }] };
    return svc as KubeObject;
  }, { fieldManager: 'kube-apiserver' });
}
