import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Endpoints } from '../../../../shared/api/core-v1.ts';
import { defaultEndpoints } from '../../../../shared/api/defaults/endpoints.ts';
import { repackSubsets } from '../../../../shared/api/repack-subsets.ts';
import { validateEndpoints, validateEndpointsUpdate } from '../../../../shared/api/validation/endpoints.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/** RepackSubsets after validation; an empty result is omitted (`subsets,omitempty`). */
function canonicalizeEndpoints(obj: KubeObject): void {
  const e = obj as Endpoints;
  const subsets = repackSubsets(e.subsets);
  if (subsets.length > 0) e.subsets = subsets;
  else delete e.subsets;
}

/**
 * pkg/registry/core/endpoint/strategy.go: nothing cleared, ports defaulted to TCP, subsets repacked into the
 * canonical layout; PUT of a missing object creates it (the endpoints controller and the API server's endpoint
 * reconciler rely on that), and updates need no resourceVersion.
 */
export const endpointsStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate: (obj) => void defaultEndpoints(obj as Endpoints),
  validate: validateEndpoints,
  canonicalize: canonicalizeEndpoints,
  prepareForUpdate: (obj) => void defaultEndpoints(obj as Endpoints),
  validateUpdate: validateEndpointsUpdate,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
