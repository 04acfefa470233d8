import type { KubeObject } from '../../../shared/api/meta.ts';
import type { ServedList } from '../../registry/generic/store.ts';
import type { RequestContext } from '../request-context.ts';
import { streamEncodedList, streamList, writeObject } from './response.ts';
import { parseIncludeObject, tableFor } from '../../printers/table-for.ts';
import { encodeRaw } from '../../../shared/protobuf/envelope.ts';
import { schemaFor } from '../../../shared/protobuf/kinds.ts';
import { streamProtobufList, type EncodedItem } from './protobuf-list.ts';

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
    writeObject(ctx.res, code, partialObjectMetadata(obj, out.version), out.format);
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
    if (out.format === 'protobuf') {
      const apiVersion = `meta.k8s.io/${out.version}`;
      const schema = schemaFor(apiVersion, 'PartialObjectMetadata');
      if (schema) {
        const items = list.items.map((o) => encodeRaw(partialObjectMetadata(o, out.version) as Record<string, unknown>, schema));
        await streamProtobufList(ctx.res, { kind: 'PartialObjectMetadataList', apiVersion, metadata: list.metadata }, items);
        return;
      }
    }
    await streamList(ctx.res, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${out.version}`, metadata: list.metadata }, list.items, (o) =>
      JSON.stringify(partialObjectMetadata(o, out.version)),
    );
    return;
  }
  if (out.format === 'yaml') {
    writeObject(ctx.res, 200, list, 'yaml');
    return;
  }
  if (out.format === 'protobuf' && (await writeProtobufList(ctx, list))) return;
  const head = { kind: list.kind, apiVersion: list.apiVersion, metadata: list.metadata };
  // From the watch cache the items are already JSON; from storage they are encoded one by one as they stream.
  if (list.values) await streamEncodedList(ctx.res, head, list.values);
  else await streamList(ctx.res, head, list.items, (o) => JSON.stringify(o));
}

/** A list in protobuf; false for a kind without a table (answered in JSON). Cached items keep their encoding. */
async function writeProtobufList(ctx: RequestContext, list: ServedList): Promise<boolean> {
  const apiVersion = list.apiVersion ?? '';
  const kind = list.kind ?? '';
  const itemSchema = schemaFor(apiVersion, kind.replace(/List$/, ''));
  if (!itemSchema || !schemaFor(apiVersion, kind)) return false;
  const encode = (o: KubeObject) => encodeRaw(o as unknown as Record<string, unknown>, itemSchema);
  let items: EncodedItem[];
  if (list.values) items = list.values.map((v) => (v.protobuf ? v.protobuf(encode) : encode(v.object)));
  else items = list.items.map(encode);
  await streamProtobufList(ctx.res, { kind, apiVersion, metadata: list.metadata }, items);
  return true;
}
