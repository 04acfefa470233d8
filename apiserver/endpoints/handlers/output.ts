import type { KubeObject } from '../../../shared/api/meta.ts';
import type { ServedList } from '../../registry/generic/store.ts';
import type { RequestContext } from '../request-context.ts';
import { streamEncodedList, streamList, writeObject } from './response.ts';
import { parseIncludeObject, tableFor } from '../../printers/table-for.ts';

/** metav1.PartialObjectMetadata of an object. */
export function partialObjectMetadata(obj: KubeObject, version: string): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export function includeObjectParam(ctx: RequestContext): 'None' | 'Metadata' | 'Object' {
  return parseIncludeObject(ctx.query.get('includeObject'));
}

/** Renders one object in the negotiated form (JSON/YAML object, Table, PartialObjectMetadata). */
export function writeOne(ctx: RequestContext, code: number, obj: KubeObject): void {
  const out = ctx.output;
  if (out.as === 'Table') {
    const t = tableFor(ctx.entry.store.qualifiedResource, [obj], { includeObject: includeObjectParam(ctx), now: ctx.now(), tableVersion: out.version });
    writeObject(ctx.res, code, t);
    return;
  }
  if (out.as === 'PartialObjectMetadata') {
    writeObject(ctx.res, code, partialObjectMetadata(obj, out.version));
    return;
  }
  writeObject(ctx.res, code, obj, out.format);
}

/** Renders a list in the negotiated form; JSON lists are streamed item by item. */
export async function writeList(ctx: RequestContext, list: ServedList): Promise<void> {
  const out = ctx.output;
  if (out.as === 'Table') {
    const t = tableFor(ctx.entry.store.qualifiedResource, list.items, { includeObject: includeObjectParam(ctx), now: ctx.now(), listMeta: list.metadata, tableVersion: out.version });
    writeObject(ctx.res, 200, t);
    return;
  }
  if (out.as === 'PartialObjectMetadata') {
    await streamList(ctx.res, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${out.version}`, metadata: list.metadata }, list.items, (o) =>
      JSON.stringify(partialObjectMetadata(o, out.version)),
    );
    return;
  }
  if (out.format === 'yaml') {
    writeObject(ctx.res, 200, list, 'yaml');
    return;
  }
  const head = { kind: list.kind, apiVersion: list.apiVersion, metadata: list.metadata };
  // From the watch cache the items are already JSON; from storage they are encoded one by one as they stream.
  if (list.values) await streamEncodedList(ctx.res, head, list.values);
  else await streamList(ctx.res, head, list.items, (o) => JSON.stringify(o));
}
