/** core/v1 Endpoints validation (pkg/apis/core/validation: ValidateEndpoints*, validateEndpointSubsets, ...). */
import { fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { arr, idx, num, obj, str, validateDNS1123Label, validateQualifiedName } from './field-errors.ts';
import { validateIP, validateNonSpecialIP } from './ip.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { isDNS1123Subdomain, isValidPortNum, nameIsDNSSubdomain } from './names.ts';

/** The protocols a port may name (supportedPortProtocols), sorted as sets.List returns them. */
export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateEndpointAddress(addressIn: unknown, path: string): FieldError[] {
  const address = obj(addressIn);
  const ip = str(address.ip);
  const errs: FieldError[] = [...validateIP(`${path}.ip`, ip)];
  const hostname = str(address.hostname);
  if (hostname.length > 0) errs.push(...validateDNS1123Label(hostname, `${path}.hostname`));
  if (typeof address.nodeName === 'string') {
    // ValidateNodeName(name, false) is NameIsDNSSubdomain.
    for (const m of isDNS1123Subdomain(address.nodeName)) errs.push(fieldInvalid(`${path}.nodeName`, address.nodeName, m));
  }
  errs.push(...validateNonSpecialIP(`${path}.ip`, ip));
  return errs;
}

function validateEndpointPort(portIn: unknown, requireName: boolean, path: string): FieldError[] {
  const port = obj(portIn);
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && name.length === 0) errs.push(fieldRequired(`${path}.name`));
  else if (name.length !== 0) errs.push(...validateDNS1123Label(name, `${path}.name`));
  const number = num(port.port) ?? 0;
  for (const m of isValidPortNum(number)) errs.push(fieldInvalid(`${path}.port`, number, m));
  const protocol = str(port.protocol);
  if (protocol.length === 0) errs.push(fieldRequired(`${path}.protocol`));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(protocol)) errs.push(fieldNotSupported(`${path}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
  if (typeof port.appProtocol === 'string') errs.push(...validateQualifiedName(port.appProtocol, `${path}.appProtocol`));
  return errs;
}

function validateEndpointSubsets(subsetsIn: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(subsetsIn).forEach((ssIn, i) => {
    const ss = obj(ssIn);
    const p = idx(path, i);
    const addresses = arr(ss.addresses);
    const notReady = arr(ss.notReadyAddresses);
    // EndpointSubsets must include an address; a headless service's endpoints may have no ports.
    if (addresses.length === 0 && notReady.length === 0) errs.push(fieldRequired(p, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errs.push(...validateEndpointAddress(a, idx(`${p}.addresses`, j))));
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, idx(`${p}.notReadyAddresses`, j))));
    const ports = arr(ss.ports);
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, idx(`${p}.ports`, j))));
  });
  return errs;
}

/** ValidateEndpoints / ValidateEndpointsCreate: DNS-subdomain name, namespaced, valid subsets. */
export function validateEndpoints(endpointsIn: unknown): FieldError[] {
  const e = obj(endpointsIn);
  return [...validateObjectMeta(obj(e.metadata) as ObjectMeta, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateEndpointSubsets(e.subsets, 'subsets')];
}

/** ValidateEndpointsUpdate: metadata update rules plus everything create checks (nodeName may change). */
export function validateEndpointsUpdate(endpointsIn: unknown, oldIn: unknown): FieldError[] {
  return [...validateObjectMetaUpdate(obj(obj(endpointsIn).metadata) as ObjectMeta, obj(obj(oldIn).metadata) as ObjectMeta), ...validateEndpoints(endpointsIn)];
}
