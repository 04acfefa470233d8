/** autoscaling/v1 Scale (k8s.io/api/autoscaling/v1/types.go): the `scale` subresource of workloads. */
import type { KubeObject, ObjectMeta } from './meta.ts';

export interface ScaleSpec {
  replicas?: number;
}

export interface ScaleStatus {
  replicas: number;
  /** The label selector in string form (`app=web,pod-template-hash=abc`), as `kubectl scale` and HPAs read it. */
  selector?: string;
}

export interface Scale extends KubeObject {
  apiVersion?: 'autoscaling/v1';
  kind?: 'Scale';
  metadata: ObjectMeta;
  spec?: ScaleSpec;
  status?: ScaleStatus;
}
