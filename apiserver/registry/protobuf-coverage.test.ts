import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceRegistry } from './resource-registry.ts';
import { schemaFor } from '../../shared/protobuf/kinds.ts';

/** Issue 12: every built-in kind served (and every subresource's kind with a body) has a protobuf table. */
test('every served kind, its list and its subresources have a protobuf form', () => {
  const missing: string[] = [];
  for (const e of resourceRegistry.entries) {
    const gv = e.group ? `${e.group}/${e.version}` : e.version;
    if (!schemaFor(gv, e.kind)) missing.push(`${gv}/${e.kind}`);
    if (e.verbs.includes('list') && !schemaFor(gv, `${e.kind}List`)) missing.push(`${gv}/${e.kind}List`);
    for (const sub of e.subresources ?? []) {
      // Streaming and upgrade subresources (log, exec, attach, portforward, proxy) carry no object body.
      if (['PodAttachOptions', 'PodExecOptions', 'PodPortForwardOptions', 'PodProxyOptions', 'NodeProxyOptions', 'ServiceProxyOptions'].includes(sub.kind) || sub.name === 'log') continue;
      const sgv = sub.group !== undefined ? (sub.group ? `${sub.group}/${sub.version}` : (sub.version ?? e.version)) : gv;
      if (!schemaFor(sgv, sub.kind)) missing.push(`${sgv}/${sub.kind} (${e.resource}/${sub.name})`);
    }
  }
  assert.deepEqual(missing, []);
});
