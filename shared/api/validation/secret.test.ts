import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate, validateServiceAccount } from './secret.ts';
import { Base64Error, decodeStdBase64 } from './base64.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (extra: Record<string, unknown> = {}) => ({ metadata: { name: 's', namespace: 'ns' }, type: 'Opaque', ...extra });
const msgs = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validateSecret', () => {
  it('accepts valid keys and refuses others with IsConfigMapKey wording', () => {
    assert.deepEqual(validateSecret(secret({ data: { 'a.b_c-D9': b64('x') } })), []);
    assert.deepEqual(msgs(validateSecret(secret({ data: { 'a b': b64('x') } }))), [
      `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
    assert.deepEqual(msgs(validateSecret(secret({ data: { '..': b64('x') } }))), [`data[..]: Invalid value: "..": must not be '..'`]);
  });

  it('limits the total size to 1 MiB', () => {
    const big = Buffer.alloc(1024 * 1024, 1).toString('base64');
    assert.deepEqual(validateSecret(secret({ data: { a: big } })), []);
    assert.deepEqual(msgs(validateSecret(secret({ data: { a: big, b: b64('x') } }))), ['data: Too long: must have at most 1048576 bytes']);
  });

  it('requires the keys of typed secrets', () => {
    assert.deepEqual(msgs(validateSecret(secret({ type: 'kubernetes.io/service-account-token' }))), [
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    ]);
    assert.deepEqual(
      validateSecret({ ...secret({ type: 'kubernetes.io/service-account-token' }), metadata: { name: 's', namespace: 'n', annotations: { 'kubernetes.io/service-account.name': 'default' } } }),
      [],
    );
    assert.deepEqual(msgs(validateSecret(secret({ type: 'kubernetes.io/dockerconfigjson' }))), ['data[.dockerconfigjson]: Required value']);
    assert.equal(validateSecret(secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } })).length, 0);
    assert.match(msgs(validateSecret(secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('nope') } })))[0]!, /^data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /);
    assert.deepEqual(msgs(validateSecret(secret({ type: 'kubernetes.io/basic-auth' }))), ['data[username]: Required value', 'data[password]: Required value']);
    assert.deepEqual(validateSecret(secret({ type: 'kubernetes.io/basic-auth', data: { password: '' } })), []);
    assert.deepEqual(msgs(validateSecret(secret({ type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } }))), ['data[ssh-privatekey]: Required value']);
    assert.deepEqual(msgs(validateSecret(secret({ type: 'kubernetes.io/tls', data: { 'tls.key': b64('k') } }))), ['data[tls.crt]: Required value']);
    assert.deepEqual(validateSecret(secret({ type: 'bootstrap.kubernetes.io/token', data: { 'token-id': b64('abcdef') } })), []);
  });

  it('type is immutable; immutable secrets keep their data and stay immutable', () => {
    const old = { ...secret({ data: { a: b64('1') }, immutable: true }), metadata: { name: 's', namespace: 'ns', resourceVersion: '5' } };
    const same = { ...old };
    assert.deepEqual(validateSecretUpdate(same, old), []);
    assert.deepEqual(msgs(validateSecretUpdate({ ...old, data: { a: b64('2') } }, old)), ['data: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(msgs(validateSecretUpdate({ ...old, immutable: false }, old)), ['immutable: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(msgs(validateSecretUpdate({ ...old, immutable: undefined, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }, { ...old, immutable: false })), [
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
    ]);
  });
});

describe('validateConfigMap', () => {
  const cm = (extra: Record<string, unknown>) => ({ metadata: { name: 'c', namespace: 'ns', resourceVersion: '1' }, ...extra });
  it('keys valid, no key in both maps, 1 MiB in all', () => {
    assert.deepEqual(validateConfigMap(cm({ data: { a: 'x' }, binaryData: { b: b64('y') } })), []);
    assert.deepEqual(msgs(validateConfigMap(cm({ data: { a: 'x' }, binaryData: { a: b64('y') } }))), ['data[a]: Invalid value: "a": duplicate of key present in binaryData']);
    assert.deepEqual(msgs(validateConfigMap(cm({ data: { a: 'x'.repeat(1024 * 1024) }, binaryData: { b: b64('y') } }))), [': Too long: must have at most 1048576 bytes']);
  });
  it('immutable forbids data and binaryData changes', () => {
    const old = cm({ data: { a: 'x' }, binaryData: { b: b64('y') }, immutable: true });
    assert.deepEqual(validateConfigMapUpdate(cm({ data: { a: 'x' }, binaryData: { b: b64('y') }, immutable: true, metadata: { ...old.metadata, labels: { l: 'v' } } }), old), []);
    assert.deepEqual(msgs(validateConfigMapUpdate(cm({ data: { a: 'z' }, binaryData: {}, immutable: true }), old)), [
      'data: Forbidden: field is immutable when `immutable` is set',
      'binaryData: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
});

describe('validateServiceAccount', () => {
  it('checks the name as a DNS subdomain', () => {
    assert.deepEqual(validateServiceAccount({ metadata: { name: 'default', namespace: 'ns' } }), []);
    assert.match(msgs(validateServiceAccount({ metadata: { name: 'Bad_Name', namespace: 'ns' } }))[0]!, /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });
});

describe('decodeStdBase64 (Go base64.StdEncoding)', () => {
  it('decodes padded standard base64 ignoring line breaks', () => {
    assert.equal(decodeStdBase64('aGVs\nbG8=').toString(), 'hello');
    assert.equal(decodeStdBase64('').length, 0);
  });
  it('reports the offset Go reports', () => {
    const at = (s: string) => {
      try {
        decodeStdBase64(s);
        return -1;
      } catch (e) {
        return (e as Base64Error).offset;
      }
    };
    assert.equal(at('no!'), 2);
    assert.equal(at('abc'), 0);
    assert.equal(at('YWJjZ'), 4);
    assert.equal(at('YQ==YQ=='), 4);
  });
});
