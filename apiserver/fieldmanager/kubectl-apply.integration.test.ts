/**
 * The real kubectl (the `kubectl` on PATH, which runs kubectl 1.32 against this server) driving patches and
 * applies end to end against an in-process apiserver: client-side apply (strategic merge patch + the
 * last-applied annotation), server-side apply (creation, ownership, conflicts and their exact text, force,
 * pruning, shared ownership, the client-side -> server-side migration kubectl performs), label/annotate,
 * and patch in its three types and on the status subresource. Every case checks what kubectl prints and
 * what the server stored (objects, resourceVersions, metadata.managedFields).
 *
 * The expected managedFields are those a real kube-apiserver 1.32 records for the same commands.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startTestServer, type TestServer } from '../../test/integration/framework/test-server.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let server: TestServer;
let dir: string;
let kubectlBin: string;

/** KUBECTL, else `kubectl` on PATH; a missing binary fails the suite with the install hint. */
function findKubectl(): string {
  const explicit = process.env.KUBECTL;
  if (explicit) return explicit;
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(d, 'kubectl');
    if (d && existsSync(candidate)) return candidate;
  }
  throw new Error('kubectl not found on PATH: install it (apt-get install -y kubectl, or google-cloud-cli-kubectl) or set KUBECTL=/path/to/kubectl');
}

before(async () => {
  kubectlBin = findKubectl();
  dir = mkdtempSync(join(tmpdir(), 'kubelab-kubectl-apply-'));
  server = await startTestServer();
});

after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs kubectl asynchronously (the server shares this event loop) with a private kubeconfig and cache. */
function kubectl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      kubectlBin,
      ['--kubeconfig', server.kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
      { env: { ...process.env, KUBECONFIG: server.kubeconfig }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** kubectl must succeed silently on stderr; returns stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr, '', `kubectl ${args.join(' ')} wrote to stderr`);
  return r.stdout;
}

/** kubectl must fail with rc 1 and print nothing on stdout; returns stderr. */
async function fails(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  assert.equal(r.code, 1, `kubectl ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  return r.stderr;
}

/** Writes a manifest (JSON is YAML) and returns its path. */
function manifest(name: string, obj: Obj): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(obj, null, 2)}\n`);
  return path;
}

/** The stored object as the API returns it (managedFields included). */
async function get(path: string): Promise<Obj> {
  const res = await fetch(`${server.url}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return (await res.json()) as Obj;
}

const podPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;

/** Creates a namespace over HTTP (`kubectl create namespace` sends protobuf, which this server does not read). */
async function namespace(name: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/namespaces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  });
  assert.equal(res.status, 201, await res.text());
}

/** managedFields as [manager, operation, subresource?, has time, fieldsV1], for exact comparisons. */
function owners(obj: Obj): unknown[] {
  return (obj.metadata.managedFields ?? []).map((e: Obj) => {
    assert.equal(e.fieldsType, 'FieldsV1');
    assert.equal(e.apiVersion, 'v1');
    if (e.time !== undefined) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    return [e.manager, e.operation, e.subresource ?? '', e.time !== undefined, e.fieldsV1];
  });
}

/** The owners() row of one manager (entries with equal times sort by name, so position is not asserted). */
function ownerOf(obj: Obj, manager: string, subresource = ''): unknown[] | undefined {
  return owners(obj).find((o) => (o as unknown[])[0] === manager && (o as unknown[])[2] === subresource) as unknown[] | undefined;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const NGINX = 'k:{"name":"nginx"}';
const PORT80 = 'k:{"containerPort":80,"protocol":"TCP"}';

/** kubectl apply --server-side's advice after a 409 FieldManagerConflict (apply.go). */
const CONFLICT_ADVICE = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
`;

function webPod(ns: string, image: string, labels: Record<string, string>, extraContainers: Obj[] = []): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: ns, labels },
    spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }, ...extraContainers] },
  };
}

/** What kubectl-client-side-apply owns after creating webPod: the manifest and the defaults, not admission's fields. */
const CSA_CREATE_FIELDS = {
  'f:metadata': {
    'f:annotations': { '.': {}, [`f:${LAST_APPLIED}`]: {} },
    'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} },
  },
  'f:spec': {
    'f:containers': {
      [NGINX]: {
        '.': {},
        'f:image': {},
        'f:imagePullPolicy': {},
        'f:name': {},
        'f:ports': { '.': {}, [PORT80]: { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
        'f:resources': {},
        'f:terminationMessagePath': {},
        'f:terminationMessagePolicy': {},
      },
    },
    'f:dnsPolicy': {},
    'f:enableServiceLinks': {},
    'f:restartPolicy': {},
    'f:schedulerName': {},
    'f:securityContext': {},
    'f:terminationGracePeriodSeconds': {},
  },
};

/** What `kubectl` (Apply) owns after applying webPod(ns, image, {app}) server-side. */
const SSA_WEB_FIELDS = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': { 'f:containers': { [NGINX]: { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { [PORT80]: { '.': {}, 'f:containerPort': {} } } } } },
};

test('client-side apply: create, unchanged, change + remove a label (null), remove a list item', async () => {
  const ns = 'csa';
  await namespace(ns);
  const v1 = manifest('csa-v1', webPod(ns, 'nginx:1.25', { app: 'web', tier: 'fe' }));
  assert.equal(await ok('apply', '-f', v1), 'pod/web created\n');
  const created = await get(podPath(ns, 'web'));
  assert.deepEqual(JSON.parse(created.metadata.annotations[LAST_APPLIED]), {
    ...webPod(ns, 'nginx:1.25', { app: 'web', tier: 'fe' }),
    metadata: { annotations: {}, labels: { app: 'web', tier: 'fe' }, name: 'web', namespace: ns },
  });
  assert.deepEqual(owners(created), [['kubectl-client-side-apply', 'Update', '', true, CSA_CREATE_FIELDS]]);
  assert.equal(created.spec.tolerations.length, 2, 'admission added the not-ready/unreachable tolerations, owned by nobody');
  assert.deepEqual(created.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);

  assert.equal(await ok('apply', '-f', v1), 'pod/web unchanged\n');
  assert.equal((await get(podPath(ns, 'web'))).metadata.resourceVersion, created.metadata.resourceVersion);

  // image changed and label tier dropped: kubectl sends {"labels":{"tier":null}} in its strategic merge patch.
  const v2 = manifest('csa-v2', webPod(ns, 'nginx:1.26', { app: 'web' }));
  assert.equal(await ok('apply', '-f', v2), 'pod/web configured\n');
  const changed = await get(podPath(ns, 'web'));
  assert.deepEqual(changed.metadata.labels, { app: 'web' });
  assert.equal(changed.spec.containers[0].image, 'nginx:1.26');
  assert.deepEqual(changed.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.equal(JSON.parse(changed.metadata.annotations[LAST_APPLIED]).spec.containers[0].image, 'nginx:1.26');
  const csaFields = structuredClone(CSA_CREATE_FIELDS) as Obj;
  delete csaFields['f:metadata']['f:labels']['f:tier'];
  assert.deepEqual(owners(changed), [['kubectl-client-side-apply', 'Update', '', true, csaFields]]);

  // Removing a container is a list-item deletion ($patch: delete) that pod validation refuses, as in kube.
  const withSidecar = manifest('csa-v3', webPod(ns, 'nginx:1.26', { app: 'web' }, [{ name: 'sidecar', image: 'busybox:1' }]));
  assert.equal(await fails('apply', '-f', withSidecar), 'The Pod "web" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers\n');
  assert.equal((await get(podPath(ns, 'web'))).metadata.resourceVersion, changed.metadata.resourceVersion, 'a refused apply writes nothing');

  // The same deletion on a kind whose list may change: a Service port.
  const svc = (ports: Obj[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: ns }, spec: { selector: { app: 'web' }, ports } });
  const http = { name: 'http', port: 80 };
  assert.equal(await ok('apply', '-f', manifest('svc-v1', svc([http, { name: 'https', port: 443 }]))), 'service/svc created\n');
  assert.equal(await ok('apply', '-f', manifest('svc-v2', svc([{ ...http, targetPort: 8080 }]))), 'service/svc configured\n');
  const service = await get(`/api/v1/namespaces/${ns}/services/svc`);
  assert.deepEqual(service.spec.ports, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]);
  const svcPorts = (owners(service)[0] as unknown[])[4] as Obj;
  assert.deepEqual(Object.keys(svcPorts['f:spec']['f:ports']), ['.', 'k:{"port":80,"protocol":"TCP"}']);
});

test('server-side apply: create (201), change, no-op, conflicts with their exact text, force', async () => {
  const ns = 'ssa';
  await namespace(ns);
  const web = manifest('ssa-v1', webPod(ns, 'nginx:1.25', { app: 'web' }));
  const created = await kubectl('apply', '--server-side', '-f', web, '-v=6');
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'pod/web serverside-applied\n');
  assert.match(created.stderr, /PATCH http:\/\/[^ ]+\/api\/v1\/namespaces\/ssa\/pods\/web\?fieldManager=kubectl&fieldValidation=Strict&force=false 201 Created/);
  const first = await get(podPath(ns, 'web'));
  assert.deepEqual(owners(first), [['kubectl', 'Apply', '', true, SSA_WEB_FIELDS]]);
  assert.equal(first.metadata.annotations, undefined, 'no last-applied annotation on a server-side create');
  assert.deepEqual(first.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);

  // Its own field changes without conflict.
  const v2 = manifest('ssa-v2', webPod(ns, 'nginx:1.26', { app: 'web' }));
  assert.equal(await ok('apply', '--server-side', '-f', v2), 'pod/web serverside-applied\n');
  const changed = await get(podPath(ns, 'web'));
  assert.equal(changed.spec.containers[0].image, 'nginx:1.26');
  assert.notEqual(changed.metadata.resourceVersion, first.metadata.resourceVersion);
  assert.deepEqual(owners(changed), [['kubectl', 'Apply', '', true, SSA_WEB_FIELDS]]);

  // Re-applying the same manifest is a no-op: same bytes, same resourceVersion, same managedFields times.
  const before = await ok('get', 'pod', 'web', '-n', ns, '-o', 'json', '--show-managed-fields');
  for (const force of [[], ['--force-conflicts']]) {
    assert.equal(await ok('apply', '--server-side', ...force, '-f', v2), 'pod/web serverside-applied\n');
    assert.equal(await ok('get', 'pod', 'web', '-n', ns, '-o', 'json', '--show-managed-fields'), before);
  }

  // Another manager (an Update) takes a label; applying the old value conflicts with it.
  assert.equal(await ok('label', 'pod', 'web', '-n', ns, 'app=other', '--overwrite'), 'pod/web labeled\n');
  const labeled = await get(podPath(ns, 'web'));
  assert.deepEqual(owners(labeled), [
    ['kubectl', 'Apply', '', true, { 'f:spec': SSA_WEB_FIELDS['f:spec'] }],
    ['kubectl-label', 'Update', '', true, { 'f:metadata': { 'f:labels': { 'f:app': {} } } }],
  ]);
  assert.equal(
    await fails('apply', '--server-side', '-f', v2),
    `error: Apply failed with 1 conflict: conflict with "kubectl-label" using v1: .metadata.labels.app\n${CONFLICT_ADVICE}`,
  );
  // An applier conflicting with an Apply manager (no "using") and with two managers at once.
  const helmImage = manifest('helm-image', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: ns }, spec: { containers: [{ name: 'nginx', image: 'nginx:9' }] } });
  assert.equal(
    await fails('apply', '--server-side', '--field-manager=helm', '-f', helmImage),
    `error: Apply failed with 1 conflict: conflict with "kubectl": .spec.containers[name="nginx"].image\n${CONFLICT_ADVICE}`,
  );
  const helmAll = manifest('helm-all', webPod(ns, 'nginx:9', { app: 'web' }));
  assert.equal(
    await fails('apply', '--server-side', '--field-manager=helm', '-f', helmAll),
    'error: Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.containers[name="nginx"].image\n' +
      `conflicts with "kubectl-label" using v1:\n- .metadata.labels.app\n${CONFLICT_ADVICE}`,
  );
  assert.equal((await get(podPath(ns, 'web'))).metadata.resourceVersion, labeled.metadata.resourceVersion, 'conflicts write nothing');

  // --force-conflicts takes the label back; kubectl-label had nothing else and disappears.
  assert.equal(await ok('apply', '--server-side', '--force-conflicts', '-f', v2), 'pod/web serverside-applied\n');
  const forced = await get(podPath(ns, 'web'));
  assert.deepEqual(forced.metadata.labels, { app: 'web' });
  assert.deepEqual(owners(forced), [['kubectl', 'Apply', '', true, SSA_WEB_FIELDS]]);
});

test('server-side apply: a field dropped by its only applier is removed; a shared one stays', async () => {
  const ns = 'share';
  await namespace(ns);
  const all = manifest('share-all', webPod(ns, 'nginx:1.25', { app: 'web', team: 'a', tmp: 'x' }));
  assert.equal(await ok('apply', '--server-side', '-f', all), 'pod/web serverside-applied\n');

  // helm applies the same value: shared ownership, no conflict, and no time for an apply that changed nothing.
  const helmTeam = manifest('helm-team', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: ns, labels: { team: 'a' } } });
  assert.equal(await ok('apply', '--server-side', '--field-manager=helm', '-f', helmTeam), 'pod/web serverside-applied\n');
  const shared = await get(podPath(ns, 'web'));
  assert.deepEqual(owners(shared), [
    ['helm', 'Apply', '', false, { 'f:metadata': { 'f:labels': { 'f:team': {} } } }],
    ['kubectl', 'Apply', '', true, { ...SSA_WEB_FIELDS, 'f:metadata': { 'f:labels': { 'f:app': {}, 'f:team': {}, 'f:tmp': {} } } }],
  ]);

  // kubectl drops both labels: tmp (only kubectl's) goes, team (helm's too) stays.
  const appOnly = manifest('share-app', webPod(ns, 'nginx:1.25', { app: 'web' }));
  assert.equal(await ok('apply', '--server-side', '-f', appOnly), 'pod/web serverside-applied\n');
  const pruned = await get(podPath(ns, 'web'));
  assert.deepEqual(pruned.metadata.labels, { app: 'web', team: 'a' });
  assert.deepEqual(owners(pruned), [
    ['helm', 'Apply', '', false, { 'f:metadata': { 'f:labels': { 'f:team': {} } } }],
    ['kubectl', 'Apply', '', true, SSA_WEB_FIELDS],
  ]);
  assert.equal(pruned.spec.tolerations.length, 2);

  // helm drops it too: now nobody owns team and it is removed; helm owns nothing and disappears.
  const helmNothing = manifest('helm-nothing', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: ns } });
  assert.equal(await ok('apply', '--server-side', '--field-manager=helm', '-f', helmNothing), 'pod/web serverside-applied\n');
  const gone = await get(podPath(ns, 'web'));
  assert.deepEqual(gone.metadata.labels, { app: 'web' });
  assert.deepEqual(owners(gone), [['kubectl', 'Apply', '', true, SSA_WEB_FIELDS]]);
});

test('client-side apply, patch, then server-side apply (kubectl migrates ownership) and a forced re-apply is a no-op', async () => {
  const ns = 'migrate';
  await namespace(ns);
  assert.equal(await ok('apply', '-f', manifest('mig-v1', webPod(ns, 'nginx:1.25', { app: 'web', tier: 'fe' }))), 'pod/web created\n');
  const v2 = manifest('mig-v2', webPod(ns, 'nginx:1.26', { app: 'web' }));
  assert.equal(await ok('apply', '-f', v2), 'pod/web configured\n');
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '-p', '{"metadata":{"labels":{"x":"y"}}}'), 'pod/web patched\n');

  // The first server-side apply: image owned by kubectl-client-side-apply but still as in the annotation,
  // so no conflict; then kubectl saves the annotation (kubectl-last-applied), merges the client-side
  // manager into its own by a JSON patch, and re-sends the apply, which must succeed (no warning).
  const v3 = manifest('mig-v3', webPod(ns, 'nginx:1.27', { app: 'web' }));
  assert.equal(await ok('apply', '--server-side', '-f', v3), 'pod/web serverside-applied\n');
  const migrated = await get(podPath(ns, 'web'));
  assert.equal(migrated.spec.containers[0].image, 'nginx:1.27');
  assert.deepEqual(migrated.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.equal(migrated.spec.tolerations.length, 2);
  assert.equal(migrated.spec.dnsPolicy, 'ClusterFirst', 'pruned client-side defaults are defaulted again');
  assert.deepEqual(migrated.metadata.labels, { app: 'web', x: 'y' });
  assert.equal(JSON.parse(migrated.metadata.annotations[LAST_APPLIED]).spec.containers[0].image, 'nginx:1.27', 'the server keeps the annotation in sync');
  assert.deepEqual(owners(migrated), [
    ['kubectl-last-applied', 'Apply', '', false, { 'f:metadata': { 'f:annotations': { [`f:${LAST_APPLIED}`]: {} } } }],
    ['kubectl', 'Apply', '', true, SSA_WEB_FIELDS],
    ['kubectl-patch', 'Update', '', true, { 'f:metadata': { 'f:labels': { 'f:x': {} } } }],
  ]);

  // The reported bug: this used to drop ports and tolerations and fail with 422.
  const before = await ok('get', 'pod', 'web', '-n', ns, '-o', 'json', '--show-managed-fields');
  assert.equal(await ok('apply', '--server-side', '--force-conflicts', '-f', v3), 'pod/web serverside-applied\n');
  assert.equal(await ok('apply', '--server-side', '-f', v3), 'pod/web serverside-applied\n');
  assert.equal(await ok('get', 'pod', 'web', '-n', ns, '-o', 'json', '--show-managed-fields'), before);
});

test('kubectl label and annotate: add, --overwrite, remove, --resource-version; their Update managers', async () => {
  const ns = 'label';
  await namespace(ns);
  assert.equal(await ok('apply', '-f', manifest('label-web', webPod(ns, 'nginx:1.25', { app: 'web', tier: 'fe' }))), 'pod/web created\n');
  assert.equal(await ok('label', 'pod', 'web', '-n', ns, 'team=a'), 'pod/web labeled\n');
  assert.equal(await fails('label', 'pod', 'web', '-n', ns, 'team=b'), "error: 'team' already has a value (a), and --overwrite is false\n");
  assert.equal(await ok('label', 'pod', 'web', '-n', ns, 'team=b', 'tier=be', '--overwrite'), 'pod/web labeled\n');
  let pod = await get(podPath(ns, 'web'));
  assert.deepEqual(pod.metadata.labels, { app: 'web', team: 'b', tier: 'be' });
  const csa = (ownerOf(pod, 'kubectl-client-side-apply') as unknown[])[4] as Obj;
  assert.deepEqual(csa['f:metadata']['f:labels'], { '.': {}, 'f:app': {} }, 'the overwritten label left the creator');
  assert.deepEqual(ownerOf(pod, 'kubectl-label'), ['kubectl-label', 'Update', '', true, { 'f:metadata': { 'f:labels': { 'f:team': {}, 'f:tier': {} } } }]);

  assert.equal(await ok('label', 'pod', 'web', '-n', ns, 'tier-'), 'pod/web unlabeled\n');
  pod = await get(podPath(ns, 'web'));
  assert.deepEqual(pod.metadata.labels, { app: 'web', team: 'b' });
  assert.deepEqual(ownerOf(pod, 'kubectl-label'), ['kubectl-label', 'Update', '', true, { 'f:metadata': { 'f:labels': { 'f:team': {} } } }]);

  // --resource-version: a stale one is a 409 Conflict, the current one works.
  const stale = String(Number(pod.metadata.resourceVersion) - 1);
  assert.equal(
    await fails('label', 'pod', 'web', '-n', ns, 'stale=1', `--resource-version=${stale}`),
    'Error from server (Conflict): Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again\n',
  );
  assert.equal(await ok('label', 'pod', 'web', '-n', ns, 'fresh=1', `--resource-version=${pod.metadata.resourceVersion}`), 'pod/web labeled\n');

  assert.equal(await ok('annotate', 'pod', 'web', '-n', ns, 'note=hello'), 'pod/web annotated\n');
  assert.equal(await fails('annotate', 'pod', 'web', '-n', ns, 'note=bye'), "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello)\n");
  assert.equal(await ok('annotate', 'pod', 'web', '-n', ns, 'note=bye', '--overwrite'), 'pod/web annotated\n');
  pod = await get(podPath(ns, 'web'));
  assert.equal(pod.metadata.annotations.note, 'bye');
  assert.deepEqual(ownerOf(pod, 'kubectl-annotate'), ['kubectl-annotate', 'Update', '', true, { 'f:metadata': { 'f:annotations': { 'f:note': {} } } }]);
  assert.equal(await ok('annotate', 'pod', 'web', '-n', ns, 'note-'), 'pod/web annotated\n');
  pod = await get(podPath(ns, 'web'));
  assert.equal(pod.metadata.annotations.note, undefined);
  assert.deepEqual(
    owners(pod).map((o) => (o as unknown[])[0]).sort(),
    ['kubectl-client-side-apply', 'kubectl-label'],
    'an Update manager left with no fields disappears',
  );
});

test('kubectl patch: strategic (default), merge, json (six ops, failed test), status subresource, no-op', async () => {
  const ns = 'patch';
  await namespace(ns);
  const sidecar = { name: 'sidecar', image: 'busybox:1' };
  assert.equal(await ok('apply', '-f', manifest('patch-web', webPod(ns, 'nginx:1.25', { app: 'web' }, [sidecar]))), 'pod/web created\n');

  // Strategic merge: containers merge by name, the other container and the ports stay.
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '-p', '{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}'), 'pod/web patched\n');
  let pod = await get(podPath(ns, 'web'));
  assert.deepEqual(
    pod.spec.containers.map((c: Obj) => [c.name, c.image, c.ports]),
    [
      ['nginx', 'nginx:1.26', [{ containerPort: 80, protocol: 'TCP' }]],
      ['sidecar', 'busybox:1', undefined],
    ],
  );
  assert.deepEqual(ownerOf(pod, 'kubectl-patch'), ['kubectl-patch', 'Update', '', true, { 'f:spec': { 'f:containers': { [NGINX]: { 'f:image': {} } } } }]);

  // A patch that changes nothing: kubectl says so, and neither the resourceVersion nor any time moves.
  const unchanged = await ok('get', 'pod', 'web', '-n', ns, '-o', 'json', '--show-managed-fields');
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '-p', '{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}'), 'pod/web patched (no change)\n');
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"app":"web"}}}'), 'pod/web patched (no change)\n');
  assert.equal(await ok('get', 'pod', 'web', '-n', ns, '-o', 'json', '--show-managed-fields'), unchanged);

  // Merge patch: null deletes.
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"m":"1","app":null}}}'), 'pod/web patched\n');
  pod = await get(podPath(ns, 'web'));
  assert.deepEqual(pod.metadata.labels, { m: '1' });

  // JSON patch with all six operations.
  const ops = [
    { op: 'add', path: '/metadata/labels/j', value: '1' },
    { op: 'copy', from: '/metadata/labels/j', path: '/metadata/labels/k' },
    { op: 'move', from: '/metadata/labels/k', path: '/metadata/labels/n' },
    { op: 'replace', path: '/metadata/labels/n', value: '2' },
    { op: 'remove', path: '/metadata/labels/m' },
    { op: 'test', path: '/metadata/labels/n', value: '2' },
  ];
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '--type=json', '-p', JSON.stringify(ops)), 'pod/web patched\n');
  pod = await get(podPath(ns, 'web'));
  assert.deepEqual(pod.metadata.labels, { j: '1', n: '2' });
  assert.deepEqual(ownerOf(pod, 'kubectl-patch'), ['kubectl-patch', 'Update', '', true, { 'f:metadata': { 'f:labels': { 'f:j': {}, 'f:n': {} } }, 'f:spec': { 'f:containers': { [NGINX]: { 'f:image': {} } } } }]);

  // A failing operation is a 422 without details; nothing is written.
  const failedTest = JSON.stringify([{ op: 'test', path: '/metadata/labels/n', value: 'nope' }]);
  assert.equal(await fails('patch', 'pod', 'web', '-n', ns, '--type=json', '-p', failedTest), 'The request is invalid: the server rejected our request due to an error in our request\n');
  const missing = JSON.stringify([{ op: 'remove', path: '/metadata/labels/absent' }]);
  assert.equal(await fails('patch', 'pod', 'web', '-n', ns, '--type=json', '-p', missing), 'The request is invalid: the server rejected our request due to an error in our request\n');
  assert.equal((await get(podPath(ns, 'web'))).metadata.resourceVersion, pod.metadata.resourceVersion);

  // The status subresource: its own manager entry; spec changes through it are ignored.
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"message":"hi"}}'), 'pod/web patched\n');
  pod = await get(podPath(ns, 'web'));
  assert.equal(pod.status.message, 'hi');
  assert.deepEqual(ownerOf(pod, 'kubectl-patch', 'status'), ['kubectl-patch', 'Update', 'status', true, { 'f:status': { 'f:message': {} } }]);
  assert.equal(await ok('patch', 'pod', 'web', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"message":"hi"}}'), 'pod/web patched (no change)\n');
  assert.equal((await get(podPath(ns, 'web'))).metadata.resourceVersion, pod.metadata.resourceVersion);
});
