import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateEndpoints, validateEndpointsUpdate } from './endpoints.ts';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './endpoint-slice.ts';
import { parseIPSloppy, validateNonSpecialIP } from './ip.ts';

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

const endpoints = (subsets: unknown[]) => ({ metadata: { name: 'web', namespace: 'default', resourceVersion: '1' }, subsets });

describe('validateEndpoints', () => {
  it('accepts ready and not-ready addresses, with or without ports', () => {
    assert.deepEqual(
      validateEndpoints(
        endpoints([
          { addresses: [{ ip: '10.244.1.5', nodeName: 'node-1', hostname: 'web-0' }], notReadyAddresses: [{ ip: 'fd00::5' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] },
          { addresses: [{ ip: '10.244.2.5' }] },
        ]),
      ),
      [],
    );
  });
  it('refuses a subset without addresses, bad IPs and special addresses', () => {
    assert.deepEqual(render(validateEndpoints(endpoints([{ ports: [{ port: 80, protocol: 'TCP' }] }]))), ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
    assert.deepEqual(render(validateEndpoints(endpoints([{ addresses: [{ ip: 'web' }, { ip: '127.0.0.1' }, { ip: '169.254.1.1' }, { ip: '0.0.0.0' }] }]))), [
      'subsets[0].addresses[0].ip: Invalid value: "web": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "web": must be a valid IP address',
      'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[0].addresses[2].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      'subsets[0].addresses[3].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    ]);
    assert.deepEqual(render(validateEndpoints(endpoints([{ notReadyAddresses: [{ ip: '224.0.0.251' }, { ip: 'ff02::1' }, { ip: '::1' }] }]))), [
      'subsets[0].notReadyAddresses[0].ip: Invalid value: "224.0.0.251": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
      'subsets[0].notReadyAddresses[1].ip: Invalid value: "ff02::1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
      'subsets[0].notReadyAddresses[2].ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
  });
  it('checks ports: names required when several, numbers, protocols, hostnames and node names', () => {
    assert.deepEqual(
      render(
        validateEndpoints(
          endpoints([
            {
              addresses: [{ ip: '10.0.0.1', hostname: 'Web', nodeName: 'Node_1' }],
              ports: [{ port: 80, protocol: 'TCP' }, { name: 'x', port: 0, protocol: 'HTTP' }, { name: 'y', port: 1, protocol: '', appProtocol: 'a/b/c' }],
            },
          ]),
        ),
      ),
      [
        `subsets[0].addresses[0].hostname: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        `subsets[0].addresses[0].nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        'subsets[0].ports[0].name: Required value',
        'subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'subsets[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        'subsets[0].ports[2].protocol: Required value',
        `subsets[0].ports[2].appProtocol: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    );
  });
  it('update checks metadata and allows nodeName to change', () => {
    const old = endpoints([{ addresses: [{ ip: '10.0.0.1', nodeName: 'a' }] }]);
    assert.deepEqual(validateEndpointsUpdate(endpoints([{ addresses: [{ ip: '10.0.0.1', nodeName: 'b' }] }]), old), []);
    assert.deepEqual(render(validateEndpointsUpdate({ metadata: { name: 'other', namespace: 'default', resourceVersion: '1' } }, old)), ['metadata.name: Invalid value: "other": field is immutable']);
  });
});

const slice = (over: Record<string, unknown>) => ({
  metadata: { name: 'web-abcde', namespace: 'default', resourceVersion: '1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1' }],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ...over,
});

describe('validateEndpointSlice', () => {
  it('accepts a controller-made slice', () => {
    assert.deepEqual(validateEndpointSlice(slice({})), []);
    assert.deepEqual(validateEndpointSlice(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['fd00:10:244::5'] }] })), []);
    assert.deepEqual(validateEndpointSlice(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com.'] }] })), []);
  });
  it('checks the address type and each address against it', () => {
    assert.deepEqual(render(validateEndpointSlice(slice({ addressType: '' }))), ['addressType: Required value']);
    assert.deepEqual(render(validateEndpointSlice(slice({ addressType: 'IP' }))), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
    assert.deepEqual(render(validateEndpointSlice(slice({ endpoints: [{ addresses: ['fd00::1', '127.0.0.2'] }, { addresses: [] }] }))), [
      'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
      'endpoints[0].addresses[1]: Invalid value: "127.0.0.2": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'endpoints[1].addresses: Required value: must contain at least 1 address',
    ]);
    assert.deepEqual(render(validateEndpointSlice(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1', '::ffff:10.0.0.1'] }] }))), [
      'endpoints[0].addresses[0]: Invalid value: "10.0.0.1": must be a valid IPv6 address',
      'endpoints[0].addresses[1]: Invalid value: "::ffff:10.0.0.1": must be a valid IPv6 address',
    ]);
    assert.deepEqual(render(validateEndpointSlice(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['localhost', 'A.example'] }] }))), [
      'endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
      `endpoints[0].addresses[1]: Invalid value: "A.example": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
  });
  it('limits endpoints to 1000 and addresses to 100', () => {
    const many = Array.from({ length: 1001 }, () => ({ addresses: ['10.1.0.1'] }));
    assert.deepEqual(render(validateEndpointSlice(slice({ endpoints: many }))), ['endpoints: Too many: 1001: must have at most 1000 items']);
    const addrs = Array.from({ length: 101 }, (_, i) => `10.2.0.${i + 1}`);
    assert.deepEqual(render(validateEndpointSlice(slice({ endpoints: [{ addresses: addrs }] }))), ['endpoints[0].addresses: Too many: 101: must have at most 100 items']);
  });
  it('checks ports: unique names, DNS labels, protocol required, appProtocol', () => {
    assert.deepEqual(
      render(validateEndpointSlice(slice({ ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'http', protocol: 'UDP' }, { name: 'Bad', port: 1 }, { name: '', protocol: 'ICMP', appProtocol: 'kubernetes.io/h2c' }] }))),
      [
        'ports[1].name: Duplicate value: "http"',
        `ports[2].name: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        'ports[2].protocol: Required value',
        'ports[3].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      ],
    );
  });
  it('checks hostnames, node names, topology and zone hints', () => {
    const hints = { forZones: [{ name: 'a' }, { name: 'a' }, { name: 'b c' }] };
    assert.deepEqual(render(validateEndpointSlice(slice({ endpoints: [{ addresses: ['10.0.0.1'], hostname: 'a.b', nodeName: 'N', hints }] }))), [
      `endpoints[0].nodeName: Invalid value: "N": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      'endpoints[0].hostname: Invalid value: "a.b": must not contain dots',
      'endpoints[0].hints.forZones[1].name: Duplicate value: "a"',
      `endpoints[0].hints.forZones[2].name: Invalid value: "b c": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });
  it('is namespaced with a DNS-subdomain name', () => {
    assert.deepEqual(render(validateEndpointSlice({ ...slice({}), metadata: { name: 'web' } })), ['metadata.namespace: Required value']);
  });
  it('keeps addressType immutable', () => {
    const old = slice({});
    assert.deepEqual(validateEndpointSliceUpdate(slice({ endpoints: [] }), old), []);
    assert.deepEqual(render(validateEndpointSliceUpdate(slice({ addressType: 'IPv6', endpoints: [] }), old)), ['addressType: Invalid value: "IPv6": field is immutable']);
  });
});

describe('IP parsing', () => {
  it('reads IPv4, IPv6, embedded IPv4 and leading zeros as Go ParseIPSloppy does', () => {
    assert.deepEqual([...(parseIPSloppy('010.1.2.3') ?? [])].slice(12), [10, 1, 2, 3]);
    assert.equal(parseIPSloppy('1.2.3.256'), undefined);
    assert.equal(parseIPSloppy('1::2::3'), undefined);
    assert.equal(parseIPSloppy('1:2:3:4:5:6:7:8:9'), undefined);
    assert.deepEqual([...(parseIPSloppy('::ffff:1.2.3.4') ?? [])], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    assert.deepEqual([...(parseIPSloppy('fe80::1') ?? [])], [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(render(validateNonSpecialIP('ip', '::')), ['ip: Invalid value: "::": may not be unspecified (::)']);
    assert.deepEqual(validateNonSpecialIP('ip', '10.96.0.1'), []);
  });
});
