import { evaluateReview, type ReviewDeps, type ReviewKind } from '../../authorization/access-review.ts';
import type { RequestContext, SubresourceHandler } from '../request-context.ts';
import { readObject } from './crud.ts';
import { writeOne } from './output.ts';

/**
 * POST of an access review: decode (JSON, YAML or protobuf), evaluate against the server's authorizers, answer
 * 201 with the status filled in. `deps()` is read per request: the authorizers are built after the registry.
 */
export function accessReviewHandler(kind: ReviewKind, deps: () => ReviewDeps | undefined): SubresourceHandler {
  return async (ctx: RequestContext) => {
    const obj = await readObject(ctx, kind);
    const d = deps();
    const answer = d
      ? await evaluateReview(kind, obj, ctx.user, ctx.info.namespace, d)
      : await evaluateReview(kind, obj, ctx.user, ctx.info.namespace, allowAll);
    writeOne(ctx, 201, answer);
  };
}

/** No authorizer configured (the loopback dev server): everything is allowed, as the server itself behaves. */
const allowAll: ReviewDeps = {
  authorizer: { authorize: () => ({ decision: 'Allow', reason: '' }) },
  ruleResolver: {
    rulesFor: async () => ({
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    }),
  },
};
