import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../shared/errors/status-error.ts';
import { negotiateOutput, parseAccept } from './negotiation.ts';

const PB = 'application/vnd.kubernetes.protobuf';

describe('Accept negotiation (protobuf, JSON, YAML, as= transforms)', () => {
  it("client-go's typed clients get protobuf; JSON and */* get JSON", () => {
    assert.deepEqual(negotiateOutput(`${PB}, */*`), { as: 'object', format: 'protobuf' });
    assert.deepEqual(negotiateOutput(PB), { as: 'object', format: 'protobuf' });
    assert.deepEqual(negotiateOutput(`${PB};stream=watch`), { as: 'object', format: 'protobuf' });
    assert.deepEqual(negotiateOutput('application/json, */*'), { as: 'object', format: 'json' });
    assert.deepEqual(negotiateOutput('*/*'), { as: 'object', format: 'json' });
    assert.deepEqual(negotiateOutput('application/*'), { as: 'object', format: 'json' });
    assert.deepEqual(negotiateOutput(undefined), { as: 'object', format: 'json' });
    assert.deepEqual(negotiateOutput('application/yaml'), { as: 'object', format: 'yaml' });
  });

  it('q-values order the choices; q=0 excludes', () => {
    assert.deepEqual(negotiateOutput(`application/json;q=0.5, ${PB}`), { as: 'object', format: 'protobuf' });
    assert.deepEqual(negotiateOutput(`${PB};q=0.1, application/json;q=0.9`), { as: 'object', format: 'json' });
    assert.deepEqual(negotiateOutput(`${PB};q=0, application/json`), { as: 'object', format: 'json' });
    assert.deepEqual(negotiateOutput(`*/*;q=1, ${PB}`), { as: 'object', format: 'protobuf' }, 'at equal q the specific type wins');
    assert.deepEqual(
      parseAccept('text/html;q=0.2, application/json;q=0.8, */*;q=0.2').map((r) => r.type),
      ['application/json', 'text/html', '*/*'],
    );
  });

  it('Tables stay JSON (a protobuf Table clause is skipped, as upstream); PartialObjectMetadata comes in protobuf too', () => {
    const table = 'as=Table;v=v1;g=meta.k8s.io';
    assert.deepEqual(negotiateOutput(`application/json;${table}, application/json`), { as: 'Table', version: 'v1' });
    assert.deepEqual(negotiateOutput(`${PB};${table}, application/json`), { as: 'object', format: 'json' });
    assert.deepEqual(negotiateOutput(`${PB};as=PartialObjectMetadataList;v=v1;g=meta.k8s.io, application/json`), {
      as: 'PartialObjectMetadata',
      version: 'v1',
      format: 'protobuf',
    });
  });

  it("nothing acceptable: 406 with kube's message", () => {
    for (const accept of ['text/html', `${PB};as=Table;v=v1;g=meta.k8s.io`, 'application/json;q=0']) {
      assert.throws(
        () => negotiateOutput(accept),
        (e: unknown) =>
          e instanceof StatusError &&
          e.status.code === 406 &&
          e.status.message === 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
        accept,
      );
    }
  });
});
