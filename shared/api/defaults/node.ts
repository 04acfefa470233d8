/**
 * Node defaulting (pkg/apis/core/v1 SetDefaults_NodeStatus, NodeSpec podCIDR/podCIDRs conversion) and the
 * canonical re-encoding of quantities.
 */
import type { Node } from '../core-v1.ts';
import { defaultResourceList } from './resources.ts';

export function defaultNode(node: Node): Node {
  node.spec ??= {};
  node.status ??= {};
  const spec = node.spec;
  // Conversion: podCIDR is authoritative when it disagrees; podCIDR mirrors podCIDRs[0] on the way out.
  if (spec.podCIDR && (!spec.podCIDRs || spec.podCIDRs.length === 0 || spec.podCIDRs[0] !== spec.podCIDR)) spec.podCIDRs = [spec.podCIDR];
  if (spec.podCIDRs && spec.podCIDRs.length > 0) spec.podCIDR = spec.podCIDRs[0];
  const status = node.status;
  defaultResourceList(status.capacity);
  defaultResourceList(status.allocatable);
  if (status.allocatable === undefined && status.capacity !== undefined) status.allocatable = { ...status.capacity };
  return node;
}
