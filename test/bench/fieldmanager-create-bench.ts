/**
 * Micro-benchmark: managedFields of a pod create, the create path of updateManagedFields (one walk of the new
 * object, createFieldsV1) against the general path (typed compare with the zero object + encode,
 * updateManagedFieldsByCompare). The pod is the benchmark pod after the pod strategy's defaulting, as the
 * registry records it.
 *
 *   node_modules/.bin/node test/bench/fieldmanager-create-bench.ts [iterations per round] [rounds]
 */
import type { KubeObject } from '../../shared/api/meta.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { defaultPod, podQOSClass } from '../../shared/api/defaults/pod.ts';
import { updateManagedFields, updateManagedFieldsByCompare } from '../../apiserver/fieldmanager/field-manager.ts';
import { benchPod } from './lib/pod-fixture.ts';

const iterations = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 7);

function createdPod(i: number): KubeObject {
  const pod = benchPod(`checkout-7d9f8c6b5d-${i.toString(36).padStart(5, '0')}`, 'shop') as unknown as Pod;
  defaultPod(pod);
  pod.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
  pod.metadata.uid = `6f1c2d3e-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  pod.metadata.creationTimestamp = '2024-05-01T10:00:00Z';
  pod.metadata.generation = 1;
  return pod as unknown as KubeObject;
}

// Distinct objects, as a server decodes a new one per request.
const pool = Array.from({ length: 256 }, (_, i) => createdPod(i));
const now = new Date('2024-05-01T10:00:00Z');
const opts = { apiVersion: 'v1', kind: 'Pod' };

type Fn = typeof updateManagedFields;
const paths: Array<[string, Fn]> = [
  ['compare + encode (old)', updateManagedFieldsByCompare],
  ['create walk (new)', updateManagedFields],
];

// Same output first.
for (const pod of pool.slice(0, 8)) {
  const a = JSON.stringify(updateManagedFields(null, pod, 'kubectl-create', 'Update', undefined, now, opts));
  const b = JSON.stringify(updateManagedFieldsByCompare(null, pod, 'kubectl-create', 'Update', undefined, now, opts));
  if (a !== b) throw new Error('create path and compare path disagree');
}

let sink = 0;
function run(fn: Fn, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const out = fn(null, pool[i & 255] as KubeObject, 'kubectl-create', 'Update', undefined, now, opts);
    sink += out.metadata.managedFields?.length ?? 0;
  }
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

// Warm-up: both paths, enough for the optimizing compiler.
for (const [, fn] of paths) run(fn, 3000);

const samples = new Map<string, number[]>(paths.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  // Alternate the order per round so neither path always runs on a warmer or colder heap.
  const order = r % 2 === 0 ? paths : [...paths].reverse();
  for (const [name, fn] of order) samples.get(name)?.push(run(fn, iterations));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const podBytes = JSON.stringify(pool[0]).length;
const fieldsBytes = JSON.stringify(updateManagedFields(null, pool[0] as KubeObject, 'kubectl-create', 'Update', undefined, now, opts).metadata.managedFields).length;
console.log(`pod ${podBytes} B JSON, managedFields ${fieldsBytes} B; ${rounds} rounds x ${iterations} creates (median, min-max us per create)`);
for (const [name] of paths) {
  const xs = samples.get(name) as number[];
  console.log(`  ${name.padEnd(24)} ${median(xs).toFixed(1).padStart(7)} us   (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`);
}
const [oldName, newName] = [paths[0]?.[0] as string, paths[1]?.[0] as string];
console.log(`  speed-up ${(median(samples.get(oldName) as number[]) / median(samples.get(newName) as number[])).toFixed(1)}x`);
if (sink < 0) console.log(sink);
