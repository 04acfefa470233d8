/**
 * Message schemas: what go-to-protobuf generates for each Kubernetes API type, as data. A field is its number
 * (from the k8s.io/api and apimachinery generated.proto files), its JSON name, its type and how its Go field
 * marshals to JSON:
 * - `omit` (the default): a non-pointer field with `omitempty`: a zero value read from the wire is left out of
 *   the JSON (go-to-protobuf writes every non-pointer scalar, zero or not);
 * - `keep`: a non-pointer field without `omitempty`: zero values stay (`"ready": false`, `"port": 0`);
 * - `ptr`: a pointer (`*int32 replicas`): present on the wire only when set, so a zero read is an explicit zero.
 * - `inline`: an embedded struct (`json:",inline"`, e.g. Volume's VolumeSource): its own message on the wire, its
 *   fields merged into the parent's JSON object.
 * Scalars with a JSON form of their own: `time` (metav1.Time, RFC 3339 seconds; zero is null), `microTime`
 * (six fractional digits), `quantity` (resource.Quantity, a string in both), `intOrString`, `rawJSON`
 * (runtime.RawExtension and FieldsV1: the bytes are the JSON), `stringList` (a message of repeated strings that
 * is a JSON array: authentication ExtraValue), `bytes` (base64 in JSON).
 *
 * Messages are written with `message({ 1: 'name string', 3: 'port int32 keep', 4: ['spec', SPEC], ... })`:
 * a string `name type [flags]` for scalars (`[]string` for repeated, `map<quantity>` for map<string, V>), or a
 * tuple `[name, type, ...flags]` where type is a scalar name or a schema and flags are `rep`, `map`, `ptr`,
 * `keep`, `inline`.
 */

export type ScalarType =
  | 'string'
  | 'bool'
  | 'int32'
  | 'int64'
  | 'bytes'
  | 'time'
  | 'microTime'
  | 'quantity'
  | 'intOrString'
  | 'rawJSON'
  | 'stringList';

const SCALARS = new Set<string>(['string', 'bool', 'int32', 'int64', 'bytes', 'time', 'microTime', 'quantity', 'intOrString', 'rawJSON', 'stringList']);

export type Presence = 'omit' | 'keep' | 'ptr';

export interface FieldSpec {
  readonly num: number;
  readonly name: string;
  /** The value type (of each element when repeated, of each map value when `map`). */
  readonly type: ScalarType | MessageSchema;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly presence: Presence;
  readonly inline: boolean;
}

export interface MessageSchema {
  /** By field number, ascending (the order written). */
  readonly fields: readonly FieldSpec[];
  /** Field by number, for decoding. */
  readonly byNumber: ReadonlyMap<number, FieldSpec>;
  /** The same as a (sparse) array indexed by field number: the decoder's lookup. */
  readonly byIndex: readonly (FieldSpec | undefined)[];
  /** Field by JSON name (not for inline structs' fields): the encoder walks the object's keys. */
  readonly byName: ReadonlyMap<string, FieldSpec>;
  /** The inline (embedded) fields, written from the parent object's keys. */
  readonly inlines: readonly FieldSpec[];
}

function build(fields: FieldSpec[]): MessageSchema {
  fields.sort((a, b) => a.num - b.num);
  const byIndex: (FieldSpec | undefined)[] = [];
  for (const f of fields) byIndex[f.num] = f;
  const inlines = fields.filter((f) => f.inline);
  const byName = new Map(fields.filter((f) => !f.inline).map((f) => [f.name, f]));
  return { fields, byNumber: new Map(fields.map((f) => [f.num, f])), byIndex, byName, inlines };
}

type Flag = 'rep' | 'map' | 'ptr' | 'keep' | 'inline';
export type FieldDef = string | readonly [string, ScalarType | MessageSchema, ...Flag[]];

export function message(defs: Record<number, FieldDef>): MessageSchema {
  const fields: FieldSpec[] = [];
  for (const [key, def] of Object.entries(defs)) {
    fields.push(parseField(Number(key), def));
  }
  return build(fields);
}

/** A schema with more fields (`...` of a shared base, e.g. ClusterRole = Role + aggregationRule). */
export function extend(base: MessageSchema, defs: Record<number, FieldDef>): MessageSchema {
  const more = message(defs);
  return build([...base.fields.filter((f) => !more.byNumber.has(f.num)), ...more.fields]);
}

function parseField(num: number, def: FieldDef): FieldSpec {
  if (typeof def !== 'string') {
    const [name, type, ...flags] = def;
    return {
      num,
      name,
      type,
      repeated: flags.includes('rep'),
      map: flags.includes('map'),
      presence: flags.includes('ptr') ? 'ptr' : flags.includes('keep') ? 'keep' : 'omit',
      inline: flags.includes('inline'),
    };
  }
  const [name, rawType, ...flags] = def.split(/\s+/);
  if (!name || !rawType) throw new Error(`bad field definition ${JSON.stringify(def)}`);
  let type = rawType;
  let repeated = false;
  let map = false;
  if (type.startsWith('[]')) {
    repeated = true;
    type = type.slice(2);
  } else if (type.startsWith('map<') && type.endsWith('>')) {
    map = true;
    type = type.slice(4, -1);
  }
  if (!SCALARS.has(type)) throw new Error(`unknown scalar type ${type} in ${JSON.stringify(def)}`);
  for (const f of flags) if (f !== 'ptr' && f !== 'keep') throw new Error(`unknown flag ${f} in ${JSON.stringify(def)}`);
  return {
    num,
    name,
    type: type as ScalarType,
    repeated,
    map,
    presence: flags.includes('ptr') ? 'ptr' : flags.includes('keep') ? 'keep' : 'omit',
    inline: false,
  };
}

/** `<Kind>List`: ListMeta metadata = 1, repeated items = 2 (every list type of the API). */
export function listOf(item: MessageSchema, listMeta: MessageSchema): MessageSchema {
  return message({ 1: ['metadata', listMeta], 2: ['items', item, 'rep'] });
}
