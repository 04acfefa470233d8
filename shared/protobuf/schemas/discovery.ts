/** k8s.io/api/discovery/v1 (generated.proto, pointers and JSON tags from types.go). */
import { message } from '../schema.ts';
import { OBJECT_META } from './meta.ts';
import { OBJECT_REFERENCE } from './core.ts';

const ENDPOINT_CONDITIONS = message({ 1: 'ready bool ptr', 2: 'serving bool ptr', 3: 'terminating bool ptr' });
const ENDPOINT_HINTS = message({
  1: ['forZones', message({ 1: 'name string keep' }), 'rep'],
  2: ['forNodes', message({ 1: 'name string keep' }), 'rep'],
});

const ENDPOINT = message({
  1: 'addresses []string',
  2: ['conditions', ENDPOINT_CONDITIONS],
  3: 'hostname string ptr',
  4: ['targetRef', OBJECT_REFERENCE, 'ptr'],
  5: 'deprecatedTopology map<string>',
  6: 'nodeName string ptr',
  7: 'zone string ptr',
  8: ['hints', ENDPOINT_HINTS, 'ptr'],
});

const ENDPOINT_PORT = message({ 1: 'name string ptr', 2: 'protocol string ptr', 3: 'port int32 ptr', 4: 'appProtocol string ptr' });

export const ENDPOINT_SLICE = message({
  1: ['metadata', OBJECT_META],
  2: ['endpoints', ENDPOINT, 'rep'],
  3: ['ports', ENDPOINT_PORT, 'rep'],
  4: 'addressType string keep',
});
