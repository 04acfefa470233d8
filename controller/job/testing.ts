/** Test fixtures for the Job controller's unit tests (not imported by production code). */
import type { Job } from '../../shared/api/batch-v1.ts';

/**
 * A Job as the API would store it (generated selector and labels), NonIndexed with parallelism 2, completions 3 and
 * backoffLimit 6 unless `spec` says otherwise, with `status` as given.
 */
export function testJob(name: string, spec: Partial<Job['spec']> = {}, status: Job['status'] = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    spec: {
      parallelism: 2,
      completions: 3,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': `uid-${name}` } },
      template: {
        metadata: { labels: { 'batch.kubernetes.io/controller-uid': `uid-${name}`, 'batch.kubernetes.io/job-name': name } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
      },
      ...spec,
    },
    status,
  };
}
