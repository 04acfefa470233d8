import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateDiscovery, parseAccept } from './negotiate-discovery.ts';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

test('what kubectl 1.32 sends gets the v2 aggregated document', () => {
  assert.equal(negotiateDiscovery(`${V2},${V2BETA1},application/json`), 'aggregated-v2');
});

test('older clients and plain JSON clients', () => {
  assert.equal(negotiateDiscovery(`${V2BETA1},application/json`), 'aggregated-v2beta1');
  assert.equal(negotiateDiscovery('application/json, */*'), 'legacy');
  assert.equal(negotiateDiscovery('application/json'), 'legacy');
  assert.equal(negotiateDiscovery('*/*'), 'legacy');
  assert.equal(negotiateDiscovery(''), 'legacy');
  assert.equal(negotiateDiscovery(undefined), 'legacy');
  assert.equal(negotiateDiscovery(null), 'legacy');
});

test('order, q-values and specificity decide', () => {
  assert.equal(negotiateDiscovery(`application/json,${V2}`), 'legacy');
  assert.equal(negotiateDiscovery(`application/json;q=0.5,${V2}`), 'aggregated-v2');
  assert.equal(negotiateDiscovery(`${V2};q=0.9,application/json`), 'legacy');
  assert.equal(negotiateDiscovery(`${V2};q=0,application/json`), 'legacy');
  // A concrete media type outranks the wildcard at equal q.
  assert.equal(negotiateDiscovery(`*/*,${V2}`), 'aggregated-v2');
  assert.equal(negotiateDiscovery(`application/*;q=0.8, ${V2BETA1} ; q=0.9`), 'aggregated-v2beta1');
});

test('clauses that cannot be served are skipped', () => {
  // protobuf and yaml are not served by kubelab's discovery
  assert.equal(negotiateDiscovery(`application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json`), 'legacy');
  assert.equal(negotiateDiscovery(`application/yaml,${V2}`), 'aggregated-v2');
  // conversions other than APIGroupDiscoveryList v2/v2beta1 are not allowed on discovery
  assert.equal(negotiateDiscovery(`application/json;as=Table;v=v1;g=meta.k8s.io,${V2}`), 'aggregated-v2');
  assert.equal(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json'), 'legacy');
  assert.equal(negotiateDiscovery(`application/json;v=v1,${V2}`), 'aggregated-v2');
  // nothing servable: kube answers 406, kubelab falls back to legacy
  assert.equal(negotiateDiscovery('text/html'), 'legacy');
  // unrelated parameters are ignored
  assert.equal(negotiateDiscovery(`${V2};pretty=1`), 'aggregated-v2');
  assert.equal(negotiateDiscovery('Application/JSON;G=apidiscovery.k8s.io;V=v2;AS=APIGroupDiscoveryList'), 'aggregated-v2');
});

test('parseAccept', () => {
  const clauses = parseAccept(' application/json ; as="Table" ; q=0.4 ,*/*');
  assert.equal(clauses.length, 2);
  assert.equal(clauses[0]!.type, 'application');
  assert.equal(clauses[0]!.subtype, 'json');
  assert.equal(clauses[0]!.params.get('as'), 'Table');
  assert.equal(clauses[0]!.q, 0.4);
  assert.equal(clauses[1]!.type, '*');
  assert.equal(clauses[1]!.q, 1);
});
