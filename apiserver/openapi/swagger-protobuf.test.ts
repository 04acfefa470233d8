import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSwaggerProtobuf } from './swagger-protobuf.ts';
import { swaggerDocument, type SwaggerDocument } from './swagger-document.ts';

/** A raw protobuf message: field number -> values in order (varints as bigint, length-delimited as bytes). */
type Fields = Map<number, (bigint | Uint8Array | number)[]>;

function decode(b: Uint8Array): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[i++];
      assert.ok(byte !== undefined, 'truncated varint');
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
      shift += 7n;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    let value: bigint | Uint8Array | number;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = Number(varint());
      value = b.subarray(i, i + n);
      i += n;
      assert.ok(i <= b.length, 'truncated bytes');
    } else if (wire === 1) {
      value = Buffer.from(b.subarray(i, i + 8)).readDoubleLE();
      i += 8;
    } else assert.fail(`unexpected wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const bytes = (f: Fields, n: number): Uint8Array[] => (f.get(n) ?? []) as Uint8Array[];
const str = (f: Fields, n: number): string | undefined => {
  const v = bytes(f, n)[0];
  return v === undefined ? undefined : Buffer.from(v).toString('utf8');
};
const strs = (f: Fields, n: number): string[] => bytes(f, n).map((v) => Buffer.from(v).toString('utf8'));
const msg = (f: Fields, n: number): Fields | undefined => {
  const v = bytes(f, n)[0];
  return v === undefined ? undefined : decode(v);
};
const msgs = (f: Fields, n: number): Fields[] => bytes(f, n).map(decode);

/** A repeated Named* (name = 1, value = 2) as a map of decoded values. */
function named(list: Fields[]): Map<string, Fields> {
  return new Map(list.map((e) => [str(e, 1) ?? '', msg(e, 2) ?? new Map()]));
}

/** Vendor extensions (NamedAny, Any.yaml = 2) parsed back as kubectl does (the YAML here is JSON). */
function extensions(list: Fields[]): Record<string, unknown> {
  return Object.fromEntries(list.map((e) => [str(e, 1), JSON.parse(str(msg(e, 2)!, 2)!)]));
}

describe('encodeSwaggerProtobuf (gnostic openapi.v2.Document)', () => {
  const doc = swaggerDocument();
  const root = decode(encodeSwaggerProtobuf(doc));

  it('document: swagger, info, security definitions', () => {
    assert.equal(str(root, 1), '2.0');
    const info = msg(root, 2)!;
    assert.equal(str(info, 1), 'Kubernetes');
    assert.equal(str(info, 2), 'v1.32.0');
    const sec = named(msgs(msg(root, 13)!, 1)).get('BearerToken')!;
    const apiKey = msg(sec, 2)!;
    assert.deepEqual([str(apiKey, 1), str(apiKey, 2), str(apiKey, 3)], ['apiKey', 'authorization', 'header']);
    const requirement = named(msgs(msgs(root, 12)[0]!, 1));
    assert.ok(requirement.has('BearerToken'));
  });

  it('definitions: every one, in order, with type, properties, refs, required and extensions', () => {
    const defs = named(msgs(msg(root, 9)!, 1));
    assert.deepEqual([...defs.keys()], Object.keys(doc.definitions));
    const pod = defs.get('io.k8s.api.core.v1.Pod')!;
    assert.match(str(pod, 4)!, /^Pod is a collection of containers/);
    assert.deepEqual(strs(msg(pod, 22)!, 1), ['object']);
    assert.deepEqual(extensions(msgs(pod, 31)), { 'x-kubernetes-group-version-kind': [{ group: '', kind: 'Pod', version: 'v1' }] });
    const props = named(msgs(msg(pod, 25)!, 1));
    assert.deepEqual([...props.keys()], ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.equal(str(props.get('metadata')!, 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.equal(str(props.get('metadata')!, 4), "Standard object's metadata.");
    assert.equal(props.get('metadata')!.get(22), undefined, 'a reference has no type');

    const spec = named(msgs(msg(defs.get('io.k8s.api.core.v1.PodSpec')!, 25)!, 1));
    const containers = spec.get('containers')!;
    assert.deepEqual(strs(msg(containers, 22)!, 1), ['array']);
    const items = msgs(msg(containers, 23)!, 1);
    assert.equal(items.length, 1);
    assert.equal(str(items[0]!, 1), '#/definitions/io.k8s.api.core.v1.Container');
    assert.deepEqual(extensions(msgs(containers, 31)), {
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    assert.ok(strs(defs.get('io.k8s.api.core.v1.Container')!, 19).includes('name'), 'required');

    // map[string]string: additionalProperties { schema = 1 }
    const labels = named(msgs(msg(defs.get('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')!, 25)!, 1)).get('labels')!;
    const ap = msg(msg(labels, 21)!, 1)!;
    assert.deepEqual(strs(msg(ap, 22)!, 1), ['string']);

    // enums: repeated Any
    const restartPolicy = spec.get('restartPolicy')!;
    assert.deepEqual(
      msgs(restartPolicy, 20).map((a) => JSON.parse(str(a, 2)!)),
      ['Always', 'Never', 'OnFailure'],
    );
  });

  it('paths: the PATCH of each kind carries its kind and the fieldValidation query parameter where kubectl looks', () => {
    const paths = named(msgs(msg(root, 8)!, 2));
    const pod = paths.get('/api/v1/namespaces/{namespace}/pods/{name}')!;
    const patch = msg(pod, 8)!;
    assert.deepEqual(extensions(msgs(patch, 13)), { 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: 'Pod' } });
    const params = msgs(patch, 8).map((p) => msg(p, 1)!);
    const body = msg(params[0]!, 1)!;
    assert.deepEqual([str(body, 2), str(body, 3), body.get(4)?.[0]], ['body', 'body', 1n]);
    assert.equal(str(msg(body, 5)!, 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
    const query = params
      .slice(1)
      .map((p) => msg(msg(p, 2)!, 3))
      .filter((q): q is Fields => q !== undefined);
    const fv = query.find((q) => str(q, 4) === 'fieldValidation')!;
    assert.equal(str(fv, 2), 'query');
    assert.equal(str(fv, 6), 'string');
    assert.equal(fv.get(20)?.[0], 1n, 'uniqueItems');
    const responses = named(msgs(msg(patch, 9)!, 1));
    const ok = msg(responses.get('200')!, 1)!;
    assert.equal(str(ok, 1), 'OK');
    assert.equal(str(msg(msg(ok, 2)!, 1)!, 1), '#/definitions/io.k8s.api.core.v1.Pod');
    // path-level parameters: {name} is a path parameter (PathParameterSubSchema = 4)
    const pathParams = msgs(pod, 9).map((p) => msg(msg(p, 1)!, 2)!);
    const name = pathParams.map((p) => msg(p, 4)).find((p) => p && str(p, 4) === 'name')!;
    assert.deepEqual([name.get(1)?.[0], str(name, 2), str(name, 5)], [1n, 'path', 'string']);
  });

  it('writes boolean additionalProperties inside its oneof even when false', () => {
    const small: SwaggerDocument = { ...doc, paths: {}, definitions: { a: { type: 'object', additionalProperties: false } }, security: [], securityDefinitions: {} };
    const defs = named(msgs(msg(decode(encodeSwaggerProtobuf(small)), 9)!, 1));
    const ap = msg(defs.get('a')!, 21)!;
    assert.deepEqual(ap.get(2), [0n]);
  });
});
