import type { Node } from '../../../../shared/api/core-v1.ts';
import { defaultNode } from '../../../../shared/api/defaults/node.ts';
import { validateNode, validateNodeUpdate } from '../../../../shared/api/validation/node.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepStatus, resetObjectMetaForStatus } from '../../generic/reset-meta.ts';

/**
 * pkg/registry/core/node/strategy.go. A node agent registers its Node with status included (capacity,
 * addresses), so create keeps status; updates of the main resource keep the stored status.
 */
export const nodeStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate(obj) {
    defaultNode(obj as Node);
  },
  validate: (obj) => validateNode(obj as Node),
  prepareForUpdate(obj, old) {
    defaultNode(obj as Node);
    keepStatus(obj, old);
  },
  validateUpdate: (obj, old) => validateNodeUpdate(obj as Node, old as Node),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

export const nodeStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
    resetObjectMetaForStatus(obj, old);
  },
  validateUpdate: (obj, old) => validateNodeUpdate(obj as Node, old as Node),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
