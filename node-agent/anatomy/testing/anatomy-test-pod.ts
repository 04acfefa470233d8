/**
 * The pod of the anatomy integration test and benchmark: an init container writing into a shared emptyDir, a
 * native sidecar, `app` (writes /data/hello.txt, listens on 8080 with busybox httpd, limits 64Mi / 250m) and
 * `reader` (mounts the emptyDir read-only).
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { BUSYBOX_IMAGE } from '../../../deploy/containerd/containerd-config.ts';

export function anatomyTestPod(nodeName: string, name = 'anatomy'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      volumes: [{ name: 'shared', emptyDir: {} }],
      initContainers: [
        { name: 'init', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo from-init > /shared/init.txt'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        { name: 'sidecar', image: BUSYBOX_IMAGE, restartPolicy: 'Always', command: ['sleep', '3600'] },
      ],
      containers: [
        {
          name: 'app',
          image: BUSYBOX_IMAGE,
          command: ['sh', '-c', 'echo written-by-app > /data/hello.txt && exec httpd -f -p 8080'],
          volumeMounts: [{ name: 'shared', mountPath: '/data' }],
          resources: { limits: { memory: '64Mi', cpu: '250m' } },
        },
        { name: 'reader', image: BUSYBOX_IMAGE, command: ['sleep', '3600'], volumeMounts: [{ name: 'shared', mountPath: '/data', readOnly: true }] },
      ],
    },
  } as Pod;
}
