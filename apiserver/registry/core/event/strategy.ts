import type { Event } from '../../../../shared/api/core-v1.ts';
import { defaultEvent } from '../../../../shared/api/defaults/event.ts';
import { validateEvent, validateEventUpdate } from '../../../../shared/api/validation/event.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/** pkg/registry/core/event/strategy.go: events may be created by PUT and updated without a resourceVersion. */
export const eventStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate: (obj) => defaultEvent(obj as Event),
  validate: (obj) => validateEvent(obj as Event),
  prepareForUpdate: (obj) => defaultEvent(obj as Event),
  validateUpdate: (obj, old) => validateEventUpdate(obj as Event, old as Event),
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
