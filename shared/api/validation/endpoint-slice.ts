/** discovery.k8s.io/v1 EndpointSlice validation (pkg/apis/discovery/validation/validation.go). */
import { fieldDuplicate, fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { arr, fieldTooMany, idx, isObj, key, obj, str } from './field-errors.ts';
import { validateIPv4Address, validateIPv6Address, validateNonSpecialIP } from './ip.ts';
import { FIELD_IMMUTABLE, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { isDNS1123Label, isDNS1123Subdomain, isValidLabelValue, nameIsDNSSubdomain } from './names.ts';
import { SUPPORTED_PORT_PROTOCOLS } from './endpoints.ts';
import { validateDNS1123Label, validateQualifiedName } from './field-errors.ts';
import { semanticEqual } from './_semantic.ts';

/** supportedAddressTypes, sorted as sets.String.List returns them. */
export const SUPPORTED_ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
export const MAX_ENDPOINTS = 1000;
export const MAX_ADDRESSES = 100;
/** Upstream's maxPorts (the API documentation says 100; validation has allowed 20000 since 1.19). */
export const MAX_PORTS = 20000;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ZONE_HINTS = 8;
const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** validation.IsFullyQualifiedDomainName. */
export function validateFullyQualifiedDomainName(path: string, nameIn: string): FieldError[] {
  if (nameIn.length === 0) return [fieldRequired(path)];
  const name = nameIn.endsWith('.') ? nameIn.slice(0, -1) : nameIn;
  const sub = isDNS1123Subdomain(name);
  if (sub.length > 0) return [fieldInvalid(path, name, sub.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [fieldInvalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length > 0) return [fieldInvalid(path, label, errs.join(','))];
  }
  return [];
}

function validateHints(hintsIn: unknown, path: string): FieldError[] {
  const hints = obj(hintsIn);
  const fzPath = `${path}.forZones`;
  const forZones = arr(hints.forZones);
  if (forZones.length > MAX_ZONE_HINTS) return [fieldTooMany(fzPath, forZones.length, MAX_ZONE_HINTS)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  forZones.forEach((z, i) => {
    const zonePath = `${idx(fzPath, i)}.name`;
    const name = str(obj(z).name);
    if (seen.has(name)) errs.push(fieldDuplicate(zonePath, name));
    else seen.add(name);
    for (const m of isValidLabelValue(name)) errs.push(fieldInvalid(zonePath, name, m));
  });
  return errs;
}

function validateEndpoints(endpointsIn: unknown, addressType: string, path: string): FieldError[] {
  const endpoints = arr(endpointsIn);
  if (endpoints.length > MAX_ENDPOINTS) return [fieldTooMany(path, endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  endpoints.forEach((epIn, i) => {
    const ep = obj(epIn);
    const p = idx(path, i);
    const addressPath = `${p}.addresses`;
    const addresses = arr(ep.addresses);
    if (addresses.length === 0) errs.push(fieldRequired(addressPath, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(fieldTooMany(addressPath, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      const address = str(a);
      const ap = idx(addressPath, j);
      // Known address types are checked; an unknown type was already refused and falls through.
      if (addressType === 'IPv4') errs.push(...validateIPv4Address(ap, address), ...validateNonSpecialIP(ap, address));
      else if (addressType === 'IPv6') errs.push(...validateIPv6Address(ap, address), ...validateNonSpecialIP(ap, address));
      else if (addressType === 'FQDN') errs.push(...validateFullyQualifiedDomainName(ap, address));
    });
    if (typeof ep.nodeName === 'string') {
      for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(fieldInvalid(`${p}.nodeName`, ep.nodeName, m));
    }
    const topologyPath = `${p}.deprecatedTopology`;
    const topology = obj(ep.deprecatedTopology);
    if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS) errs.push(fieldTooMany(topologyPath, Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
    errs.push(...validateLabels(topology, topologyPath));
    if (Object.hasOwn(topology, LABEL_TOPOLOGY_ZONE)) {
      errs.push({ type: 'InternalError', field: key(topologyPath, LABEL_TOPOLOGY_ZONE), detail: 'Internal error: reserved key was not removed in conversion' });
    }
    if (typeof ep.hostname === 'string') errs.push(...validateDNS1123Label(ep.hostname, `${p}.hostname`));
    if (isObj(ep.hints)) errs.push(...validateHints(ep.hints, `${p}.hints`));
  });
  return errs;
}

function validatePorts(portsIn: unknown, path: string): FieldError[] {
  const ports = arr(portsIn);
  if (ports.length > MAX_PORTS) return [fieldTooMany(path, ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((portIn, i) => {
    const port = obj(portIn);
    const p = idx(path, i);
    const name = str(port.name);
    if (name.length > 0) errs.push(...validateDNS1123Label(name, `${p}.name`));
    if (names.has(name)) errs.push(fieldDuplicate(`${p}.name`, name));
    else names.add(name);
    if (typeof port.protocol !== 'string') errs.push(fieldRequired(`${p}.protocol`));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(port.protocol)) errs.push(fieldNotSupported(`${p}.protocol`, port.protocol, SUPPORTED_PORT_PROTOCOLS));
    if (typeof port.appProtocol === 'string') errs.push(...validateQualifiedName(port.appProtocol, `${p}.appProtocol`));
  });
  return errs;
}

function validateAddressType(addressType: unknown): FieldError[] {
  const t = str(addressType);
  if (t === '') return [fieldRequired('addressType')];
  if (!SUPPORTED_ADDRESS_TYPES.includes(t)) return [fieldNotSupported('addressType', t, SUPPORTED_ADDRESS_TYPES)];
  return [];
}

/** ValidateEndpointSlice / ValidateEndpointSliceCreate. */
export function validateEndpointSlice(sliceIn: unknown): FieldError[] {
  const s = obj(sliceIn);
  return [
    ...validateObjectMeta(obj(s.metadata) as ObjectMeta, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...validateAddressType(s.addressType),
    ...validateEndpoints(s.endpoints, str(s.addressType), 'endpoints'),
    ...validatePorts(s.ports, 'ports'),
  ];
}

/** ValidateEndpointSliceUpdate: metadata update rules (the store's), everything create checks, addressType immutable. */
export function validateEndpointSliceUpdate(sliceIn: unknown, oldIn: unknown): FieldError[] {
  const s = obj(sliceIn);
  const old = obj(oldIn);
  const errs = [...validateObjectMetaUpdate(obj(s.metadata) as ObjectMeta, obj(old.metadata) as ObjectMeta), ...validateEndpointSlice(sliceIn)];
  if (!semanticEqual(s.addressType, old.addressType)) errs.push(fieldInvalid('addressType', s.addressType ?? '', FIELD_IMMUTABLE));
  return errs;
}
