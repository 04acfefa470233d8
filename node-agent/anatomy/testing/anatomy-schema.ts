/**
 * The PodAnatomy JSON Schema (docs/api/pod-anatomy.schema.json) compiled with ajv, for tests (the agent's, the
 * plugin's, the console's): `validatePodAnatomy(doc)` returns the schema errors as readable lines, [] when valid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

/** docs/api/pod-anatomy.schema.json of the checkout this module is in (also from dist/). */
export function podAnatomySchemaPath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const p = join(dir, 'docs', 'api', 'pod-anatomy.schema.json');
    if (existsSync(p)) return p;
    if (dirname(dir) === dir) throw new Error('Cannot find docs/api/pod-anatomy.schema.json above this module');
  }
}

let compiled: ValidateFunction | undefined;

export function validatePodAnatomy(doc: unknown): string[] {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(podAnatomySchemaPath(), 'utf8')) as object);
  if (compiled(doc)) return [];
  return (compiled.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
