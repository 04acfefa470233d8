/**
 * Child process for the kill -9 durability test (embedded-store.test.ts): writes to an EmbeddedStore as fast as it
 * can and prints one line per acknowledged write ("<op> <key> <resourceVersion> <marker>") until it is killed.
 * Usage: node _crash-writer.(ts|js) <db path>
 */
import { EmbeddedStore } from './embedded-store.ts';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: _crash-writer <db path>\n');
  process.exit(2);
}
const store = new EmbeddedStore({ path });
// ~20 KB values span several SQLite pages, so a torn write would show up as a truncated or mixed value.
const payload = (marker: string): string => marker.repeat(Math.ceil(20_000 / marker.length)).slice(0, 20_000);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const key = `/crash/ns/k${i % 50}`;
  const marker = `m${i}-`;
  const obj = await store.guaranteedUpdate(
    key,
    (cur) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `k${i % 50}`, namespace: 'ns', uid: cur?.metadata.uid ?? `uid-${i}` },
      data: { marker, payload: payload(marker) },
    }),
    { ignoreNotFound: true },
  );
  // Pipes are synchronous on Linux: once this returns, the parent can read the line even if we die next.
  process.stdout.write(`put ${key} ${obj.metadata.resourceVersion} ${marker}\n`);
}
