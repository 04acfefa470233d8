/**
 * Warnings for requests to deprecated APIs (k8s.io/apiserver/pkg/endpoints/deprecation: the filter adds
 * `<group/version> <Kind> is deprecated in v1.<n>+; use <replacement>` to every request of the resource once
 * the server's version reaches the deprecation).
 */

interface DeprecatedAPI {
  group: string;
  version: string;
  resource: string;
  /** The minor version that deprecated it. */
  since: number;
  warning: string;
}

const DEPRECATED: readonly DeprecatedAPI[] = [
  // KEP-4974: v1 Endpoints is deprecated in 1.33 in favour of EndpointSlices.
  { group: '', version: 'v1', resource: 'endpoints', since: 33, warning: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice' },
];

/** The warning a server reporting `minor` adds to requests of the resource, if it is deprecated there. */
export function deprecatedAPIWarning(minor: number, group: string, version: string, resource: string): string | undefined {
  return DEPRECATED.find((d) => d.group === group && d.version === version && d.resource === resource && minor >= d.since)?.warning;
}
