import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeObject, encodeObject } from './envelope.ts';

/** Endpoints and EndpointSlice through the protobuf envelope and back, as kubectl and client-go see them. */
describe('protobuf: Endpoints and EndpointSlice', () => {
  it('round-trips an EndpointSlice with explicit false conditions and an unset port', () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-7x2kq', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' }, generation: 2 },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.244.1.5'],
          conditions: { ready: false, serving: true, terminating: true },
          nodeName: 'node-1',
          zone: 'z1',
          hostname: 'web-0',
          targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' },
          hints: { forZones: [{ name: 'z1' }] },
        },
        { addresses: ['10.244.2.7'], conditions: {} },
      ],
      ports: [
        { name: 'http', protocol: 'TCP', port: 8080, appProtocol: 'http' },
        { name: '', protocol: 'UDP' },
      ],
    };
    const back = decodeObject(encodeObject(slice));
    assert.deepEqual(back, slice);
  });
  it('round-trips a Service with every field the allocators and the proxy use, status conditions included', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        ports: [{ name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80, targetPort: 'http', nodePort: 30080 }],
        selector: { app: 'web' },
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        type: 'NodePort',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 31000,
        publishNotReadyAddresses: true,
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Local',
        allocateLoadBalancerNodePorts: false,
        trafficDistribution: 'PreferClose',
      },
      status: {
        loadBalancer: { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }] },
        conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Ok', message: 'fine' }],
      },
    };
    assert.deepEqual(decodeObject(encodeObject(svc)), svc);
  });
  it('round-trips Endpoints with ready and not-ready addresses', () => {
    const endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.213.0.1' }], notReadyAddresses: [{ ip: '10.213.0.2', nodeName: 'n' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    };
    assert.deepEqual(decodeObject(encodeObject(endpoints)), endpoints);
  });
});
