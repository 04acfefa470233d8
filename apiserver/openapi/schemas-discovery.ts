/**
 * core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlice definitions, spread into SCHEMAS by schemas.ts.
 * Descriptions follow the k8s.io/api types' documentation (1.32).
 */
import { CORE, META, bool, enumStr, int32, kindObject, listKind, obj, ref, refArr, refV, str, strArr, strDef, strMap, type Schema } from './schema-builders.ts';

export const DISCOVERY = 'io.k8s.api.discovery.v1.';

/** The served discovery.k8s.io/v1 kinds with their definition names. */
export const DISCOVERY_V1_KINDS: Readonly<Record<string, string>> = {
  EndpointSlice: `${DISCOVERY}EndpointSlice`,
  EndpointSliceList: `${DISCOVERY}EndpointSliceList`,
  Status: `${META}Status`,
  DeleteOptions: `${META}DeleteOptions`,
  WatchEvent: `${META}WatchEvent`,
};

/** core/v1 Endpoints kinds, merged into the v1 kinds. */
export const ENDPOINTS_V1_KINDS: Readonly<Record<string, string>> = {
  Endpoints: `${CORE}Endpoints`,
  EndpointsList: `${CORE}EndpointsList`,
};

const PROTOCOL = (description: string): Schema =>
  enumStr(description, {
    SCTP: 'is the SCTP protocol.',
    TCP: 'is the TCP protocol.',
    UDP: 'is the UDP protocol.',
  });

const APP_PROTOCOL =
  "The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand. This field follows standard Kubernetes label syntax. Valid values are either:\n\n* Un-prefixed protocol names - reserved for IANA standard service names (as per RFC-6335 and https://www.iana.org/assignments/service-names).\n\n* Kubernetes-defined prefixed names:\n  * 'kubernetes.io/h2c' - HTTP/2 prior knowledge over cleartext as described in https://www.rfc-editor.org/rfc/rfc9113.html#name-starting-http-2-with-prior-\n  * 'kubernetes.io/ws'  - WebSocket over cleartext as described in https://www.rfc-editor.org/rfc/rfc6455\n  * 'kubernetes.io/wss' - WebSocket over TLS as described in https://www.rfc-editor.org/rfc/rfc6455\n\n* Other protocols should use implementation-defined prefixed names such as mycompany.com/my-custom-protocol.";

/** listKind() words the items as "List of <kind>s."; these two lists say it their own way. */
function withItemsDescription(list: Schema, description: string): Schema {
  const properties = list.properties as Record<string, Schema>;
  return { ...list, properties: { ...properties, items: { ...properties.items, description } } };
}

export const ENDPOINTS_SCHEMAS: Readonly<Record<string, Schema>> = {
  [`${CORE}EndpointAddress`]: obj(
    'EndpointAddress is a tuple that describes single IP address.',
    {
      hostname: str('The Hostname of this endpoint'),
      ip: strDef('The IP of this endpoint. May not be loopback (127.0.0.0/8 or ::1), link-local (169.254.0.0/16 or fe80::/10), or link-local multicast (224.0.0.0/24 or ff02::/16).'),
      nodeName: str('Optional: Node hosting this endpoint. This can be used to determine endpoints local to a node.'),
      targetRef: ref(`${CORE}ObjectReference`, 'Reference to object providing the endpoint.'),
    },
    ['ip'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}EndpointPort`]: obj(
    'EndpointPort is a tuple that describes a single port.',
    {
      appProtocol: str(APP_PROTOCOL),
      name: str("The name of this port.  This must match the 'name' field in the corresponding ServicePort. Must be a DNS_LABEL. Optional only if one port is defined."),
      port: int32('The port number of the endpoint.', { default: 0 }),
      protocol: PROTOCOL('The IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.'),
    },
    ['port'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}EndpointSubset`]: obj(
    'EndpointSubset is a group of addresses with a common set of ports. The expanded set of endpoints is the Cartesian product of Addresses x Ports. For example, given:\n\n\t{\n\t  Addresses: [{"ip": "10.10.1.1"}, {"ip": "10.10.2.2"}],\n\t  Ports:     [{"name": "a", "port": 8675}, {"name": "b", "port": 309}]\n\t}\n\nThe resulting set of endpoints can be viewed as:\n\n\ta: [ 10.10.1.1:8675, 10.10.2.2:8675 ],\n\tb: [ 10.10.1.1:309, 10.10.2.2:309 ]',
    {
      addresses: refArr(`${CORE}EndpointAddress`, 'IP addresses which offer the related ports that are marked as ready. These endpoints should be considered safe for load balancers and clients to utilize.'),
      notReadyAddresses: refArr(
        `${CORE}EndpointAddress`,
        'IP addresses which offer the related ports but are not currently marked as ready because they have not yet finished starting, have recently failed a readiness check, or have recently failed a liveness check.',
      ),
      ports: refArr(`${CORE}EndpointPort`, 'Port numbers available on the related IP addresses.'),
    },
  ),
  [`${CORE}Endpoints`]: kindObject(
    '',
    'v1',
    'Endpoints',
    'Endpoints is a collection of endpoints that implement the actual service. Example:\n\n\t Name: "mysvc",\n\t Subsets: [\n\t   {\n\t     Addresses: [{"ip": "10.10.1.1"}, {"ip": "10.10.2.2"}],\n\t     Ports: [{"name": "a", "port": 8675}, {"name": "b", "port": 309}]\n\t   },\n\t   {\n\t     Addresses: [{"ip": "10.10.3.3"}],\n\t     Ports: [{"name": "a", "port": 93}, {"name": "b", "port": 76}]\n\t   },\n\t]',
    {
      subsets: refArr(
        `${CORE}EndpointSubset`,
        'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
      ),
    },
  ),
  [`${CORE}EndpointsList`]: withItemsDescription(listKind('', 'v1', 'EndpointsList', `${CORE}Endpoints`, 'EndpointsList is a list of endpoints.'), 'List of endpoints.'),
};

export const DISCOVERY_SCHEMAS: Readonly<Record<string, Schema>> = {
  [`${DISCOVERY}EndpointConditions`]: obj('EndpointConditions represents the current condition of an endpoint.', {
    ready: bool(
      'ready indicates that this endpoint is ready to receive traffic, according to whatever system is managing the endpoint. A nil value should be interpreted as "true". In general, an endpoint should be marked ready if it is serving and not terminating, though this can be overridden in some cases, such as when the associated Service has set the publishNotReadyAddresses flag.',
    ),
    serving: bool('serving indicates that this endpoint is able to receive traffic, according to whatever system is managing the endpoint. For endpoints backed by pods, the EndpointSlice controller will mark the endpoint as serving if the pod\'s Ready condition is True. A nil value should be interpreted as "true".'),
    terminating: bool('terminating indicates that this endpoint is terminating. A nil value should be interpreted as "false".'),
  }),
  [`${DISCOVERY}ForZone`]: obj('ForZone provides information about which zones should consume this endpoint.', { name: strDef('name represents the name of the zone.') }, ['name']),
  [`${DISCOVERY}ForNode`]: obj('ForNode provides information about which nodes should consume this endpoint.', { name: strDef('name represents the name of the node.') }, ['name']),
  [`${DISCOVERY}EndpointHints`]: obj('EndpointHints provides hints describing how an endpoint should be consumed.', {
    forNodes: refArr(`${DISCOVERY}ForNode`, 'forNodes indicates the node(s) this endpoint should be consumed by when using topology aware routing. May contain a maximum of 8 entries. This is an Alpha feature and is only used when the PreferSameTrafficDistribution feature gate is enabled.'),
    forZones: refArr(`${DISCOVERY}ForZone`, 'forZones indicates the zone(s) this endpoint should be consumed by when using topology aware routing. May contain a maximum of 8 entries.'),
  }),
  [`${DISCOVERY}Endpoint`]: obj(
    'Endpoint represents a single logical "backend" implementing a service.',
    {
      addresses: strArr(
        'addresses of this endpoint. For EndpointSlices of addressType "IPv4" or "IPv6", the values are IP addresses in canonical form. The syntax and semantics of other addressType values are not defined. This must contain at least one address but no more than 100. EndpointSlices generated by the EndpointSlice controller will always have exactly 1 address. No semantics are defined for additional addresses beyond the first, and kube-proxy does not look at them.',
        { listType: 'set' },
      ),
      conditions: refV(`${DISCOVERY}EndpointConditions`, 'conditions contains information about the current status of the endpoint.'),
      deprecatedTopology: strMap(
        'deprecatedTopology contains topology information part of the v1beta1 API. This field is deprecated, and will be removed when the v1beta1 API is removed (no sooner than kubernetes v1.24).  While this field can hold values, it is not writable through the v1 API, and any attempts to write to it will be silently ignored. Topology information can be found in the zone and nodeName fields instead.',
      ),
      hints: ref(`${DISCOVERY}EndpointHints`, 'hints contains information associated with how an endpoint should be consumed.'),
      hostname: str(
        'hostname of this endpoint. This field may be used by consumers of endpoints to distinguish endpoints from each other (e.g. in DNS names). Multiple endpoints which use the same hostname should be considered fungible (e.g. multiple A values in DNS). Must be lowercase and pass DNS Label (RFC 1123) validation.',
      ),
      nodeName: str('nodeName represents the name of the Node hosting this endpoint. This can be used to determine endpoints local to a Node.'),
      targetRef: ref(`${CORE}ObjectReference`, 'targetRef is a reference to a Kubernetes object that represents this endpoint.'),
      zone: str('zone is the name of the Zone this endpoint exists in.'),
    },
    ['addresses'],
  ),
  [`${DISCOVERY}EndpointPort`]: obj(
    'EndpointPort represents a Port used by an EndpointSlice',
    {
      appProtocol: str(APP_PROTOCOL),
      name: str(
        "name represents the name of this port. All ports in an EndpointSlice must have a unique name. If the EndpointSlice is derived from a Kubernetes service, this corresponds to the Service.ports[].name. Name must either be an empty string or pass DNS_LABEL validation: * must be no more than 63 characters long. * must consist of lower case alphanumeric characters or '-'. * must start and end with an alphanumeric character. Default is empty string.",
      ),
      port: int32('port represents the port number of the endpoint. If the EndpointSlice is derived from a Kubernetes service, this must be set to the service\'s target port. EndpointSlices used for other purposes may have a nil port.'),
      protocol: PROTOCOL('protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.'),
    },
    undefined,
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${DISCOVERY}EndpointSlice`]: kindObject(
    'discovery.k8s.io',
    'v1',
    'EndpointSlice',
    'EndpointSlice represents a set of service endpoints. Most EndpointSlices are created by the EndpointSlice controller to represent the Pods selected by Service objects. For a given service there may be multiple EndpointSlice objects which must be joined to produce the full set of endpoints; you can find all of the slices for a given service by listing EndpointSlices in the service\'s namespace whose `kubernetes.io/service-name` label contains the service\'s name.',
    {
      addressType: enumStr(
        'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name. (Deprecated) The EndpointSlice controller only generates, and kube-proxy only processes, slices of addressType "IPv4" and "IPv6". No semantics are defined for the "FQDN" type.',
        { FQDN: 'represents a FQDN.', IPv4: 'represents an IPv4 Address.', IPv6: 'represents an IPv6 Address.' },
        { default: '' },
      ),
      endpoints: refArr(`${DISCOVERY}Endpoint`, 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
      ports: refArr(
        `${DISCOVERY}EndpointPort`,
        'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. Each slice may include a maximum of 100 ports. Services always have at least 1 port, so EndpointSlices generated by the EndpointSlice controller will likewise always have at least 1 port. EndpointSlices used for other purposes may have an empty ports list.',
      ),
    },
    ['addressType', 'endpoints'],
  ),
  [`${DISCOVERY}EndpointSliceList`]: withItemsDescription(
    listKind('discovery.k8s.io', 'v1', 'EndpointSliceList', `${DISCOVERY}EndpointSlice`, 'EndpointSliceList represents a list of endpoint slices'),
    'items is the list of endpoint slices',
  ),
};
