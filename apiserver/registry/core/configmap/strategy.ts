import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { ConfigMap } from '../../../../shared/api/core-v1.ts';
import { validateConfigMap, validateConfigMapUpdate } from '../../../../shared/api/validation/secret.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { normalizeBytesMap } from '../secret/strategy.ts';

function prepareConfigMap(obj: KubeObject): void {
  const cm = obj as ConfigMap;
  const binary = normalizeBytesMap('ConfigMap', cm.binaryData as Record<string, unknown> | undefined);
  if (binary) cm.binaryData = binary;
  else delete cm.binaryData;
}

/** pkg/registry/core/configmap/strategy.go. */
export const configMapStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate: prepareConfigMap,
  validate: validateConfigMap,
  prepareForUpdate: (obj) => prepareConfigMap(obj),
  validateUpdate: validateConfigMapUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
