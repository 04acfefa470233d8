import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../shared/api/core-v1.ts';
import { envVarsFromServices, serviceEnvVarMap } from './service-env.ts';

const svc = (ns: string, name: string, clusterIP: string, ports: NonNullable<Service['spec']>['ports']): Service => ({ metadata: { namespace: ns, name }, spec: { clusterIP, ports } });

test('envVarsFromServices: upstream envvars_test.go cases', () => {
  const services = [
    svc('default', 'foo-bar', '1.2.3.4', [{ port: 8080, protocol: 'TCP' }]),
    svc('default', 'abc-123', '5.6.7.8', [{ name: 'u-d-p', port: 8081, protocol: 'UDP' }, { name: 't-c-p', port: 8081, protocol: 'TCP' }]),
    svc('default', 'q-u-u-x', '9.8.7.6', [{ port: 8082, protocol: 'TCP' }, { name: '8083', port: 8083, protocol: 'TCP' }]),
    svc('default', 'svrc-clusterip-none', 'None', [{ port: 8082, protocol: 'TCP' }]),
    svc('default', 'svrc-clusterip-empty', '', [{ port: 8082, protocol: 'TCP' }]),
    svc('default', 'super-ipv6', '2001:DB8::', [{ name: 'u-d-p', port: 8084, protocol: 'UDP' }, { name: 't-c-p', port: 8084, protocol: 'TCP' }]),
    svc('default', 'sctp-1', '1.2.3.4', [{ name: 's-c-t-p', port: 777, protocol: 'SCTP' }]),
  ];
  const expected: [string, string][] = [
    ['FOO_BAR_SERVICE_HOST', '1.2.3.4'], ['FOO_BAR_SERVICE_PORT', '8080'], ['FOO_BAR_PORT', 'tcp://1.2.3.4:8080'],
    ['FOO_BAR_PORT_8080_TCP', 'tcp://1.2.3.4:8080'], ['FOO_BAR_PORT_8080_TCP_PROTO', 'tcp'], ['FOO_BAR_PORT_8080_TCP_PORT', '8080'], ['FOO_BAR_PORT_8080_TCP_ADDR', '1.2.3.4'],
    ['ABC_123_SERVICE_HOST', '5.6.7.8'], ['ABC_123_SERVICE_PORT', '8081'], ['ABC_123_SERVICE_PORT_U_D_P', '8081'], ['ABC_123_SERVICE_PORT_T_C_P', '8081'],
    ['ABC_123_PORT', 'udp://5.6.7.8:8081'], ['ABC_123_PORT_8081_UDP', 'udp://5.6.7.8:8081'], ['ABC_123_PORT_8081_UDP_PROTO', 'udp'], ['ABC_123_PORT_8081_UDP_PORT', '8081'], ['ABC_123_PORT_8081_UDP_ADDR', '5.6.7.8'],
    ['ABC_123_PORT_8081_TCP', 'tcp://5.6.7.8:8081'], ['ABC_123_PORT_8081_TCP_PROTO', 'tcp'], ['ABC_123_PORT_8081_TCP_PORT', '8081'], ['ABC_123_PORT_8081_TCP_ADDR', '5.6.7.8'],
    ['Q_U_U_X_SERVICE_HOST', '9.8.7.6'], ['Q_U_U_X_SERVICE_PORT', '8082'], ['Q_U_U_X_SERVICE_PORT_8083', '8083'], ['Q_U_U_X_PORT', 'tcp://9.8.7.6:8082'],
    ['Q_U_U_X_PORT_8082_TCP', 'tcp://9.8.7.6:8082'], ['Q_U_U_X_PORT_8082_TCP_PROTO', 'tcp'], ['Q_U_U_X_PORT_8082_TCP_PORT', '8082'], ['Q_U_U_X_PORT_8082_TCP_ADDR', '9.8.7.6'],
    ['Q_U_U_X_PORT_8083_TCP', 'tcp://9.8.7.6:8083'], ['Q_U_U_X_PORT_8083_TCP_PROTO', 'tcp'], ['Q_U_U_X_PORT_8083_TCP_PORT', '8083'], ['Q_U_U_X_PORT_8083_TCP_ADDR', '9.8.7.6'],
    ['SUPER_IPV6_SERVICE_HOST', '2001:DB8::'], ['SUPER_IPV6_SERVICE_PORT', '8084'], ['SUPER_IPV6_SERVICE_PORT_U_D_P', '8084'], ['SUPER_IPV6_SERVICE_PORT_T_C_P', '8084'],
    ['SUPER_IPV6_PORT', 'udp://[2001:DB8::]:8084'], ['SUPER_IPV6_PORT_8084_UDP', 'udp://[2001:DB8::]:8084'], ['SUPER_IPV6_PORT_8084_UDP_PROTO', 'udp'], ['SUPER_IPV6_PORT_8084_UDP_PORT', '8084'], ['SUPER_IPV6_PORT_8084_UDP_ADDR', '2001:DB8::'],
    ['SUPER_IPV6_PORT_8084_TCP', 'tcp://[2001:DB8::]:8084'], ['SUPER_IPV6_PORT_8084_TCP_PROTO', 'tcp'], ['SUPER_IPV6_PORT_8084_TCP_PORT', '8084'], ['SUPER_IPV6_PORT_8084_TCP_ADDR', '2001:DB8::'],
    ['SCTP_1_SERVICE_HOST', '1.2.3.4'], ['SCTP_1_SERVICE_PORT', '777'], ['SCTP_1_SERVICE_PORT_S_C_T_P', '777'], ['SCTP_1_PORT', 'sctp://1.2.3.4:777'],
    ['SCTP_1_PORT_777_SCTP', 'sctp://1.2.3.4:777'], ['SCTP_1_PORT_777_SCTP_PROTO', 'sctp'], ['SCTP_1_PORT_777_SCTP_PORT', '777'], ['SCTP_1_PORT_777_SCTP_ADDR', '1.2.3.4'],
  ];
  assert.deepEqual(envVarsFromServices(services).map((e) => [e.name, e.value]), expected);
});

test('serviceEnvVarMap: kubernetes of default always, the namespace\'s own with enableServiceLinks only, headless never', () => {
  const all = [
    svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
    svc('default', 'web', '10.96.0.5', [{ port: 80 }]),
    svc('team', 'db', '10.96.0.7', [{ name: 'pg', port: 5432 }]),
    svc('team', 'headless', 'None', [{ port: 80 }]),
    svc('other', 'x', '10.96.0.9', [{ port: 80 }]),
  ];
  const team = serviceEnvVarMap(all, 'team', true);
  assert.equal(team.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  assert.equal(team.get('KUBERNETES_SERVICE_PORT'), '443');
  assert.equal(team.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
  assert.equal(team.get('KUBERNETES_PORT_443_TCP'), 'tcp://10.96.0.1:443');
  assert.equal(team.get('DB_SERVICE_HOST'), '10.96.0.7');
  assert.equal(team.get('DB_PORT_5432_TCP_PROTO'), 'tcp');
  assert.equal(team.has('WEB_SERVICE_HOST'), false);
  assert.equal(team.has('HEADLESS_SERVICE_HOST'), false);
  assert.equal(team.has('X_SERVICE_HOST'), false);
  const noLinks = serviceEnvVarMap(all, 'team', false);
  assert.deepEqual([...noLinks.keys()].filter((k) => !k.startsWith('KUBERNETES_')), []);
  assert.equal(noLinks.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  assert.equal(serviceEnvVarMap(all, 'default', true).get('WEB_SERVICE_HOST'), '10.96.0.5');
});
