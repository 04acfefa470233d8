/**
 * `kubectl debug` against the API server alone (no node agent: kubectl returns after its write when not
 * attaching), with the real kubectl 1.29 and 1.33: ephemeral containers added through
 * `pods/ephemeralcontainers` as kubectl builds them (default and general profiles), a second one beside the
 * first, a changed one refused in kube's words, Pod Security on the subresource, `--copy-to` with
 * `--share-processes`, `debug node/NAME`, and the 404 Statuses kubectl reads `details.name` from.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { podObject, startKubectlEnv, withoutKlog, type KubectlEnv } from '../../../../test/e2e/framework/kubectl.ts';

const IMAGE = 'localhost/busybox:1.35';
const podPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;

for (const minor of [29, 33]) {
  describe(`kubectl 1.${minor} debug`, () => {
    let env: KubectlEnv;
    before(async () => {
      env = await startKubectlEnv({ minorVersion: minor });
      await env.api.createNode('debug-n1', { internalIP: '10.0.9.1' });
    });
    after(async () => {
      await env?.close();
    });

    async function appPod(ns: string, name = 'web'): Promise<void> {
      await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject(name, { containers: ['app', 'sidecar'] }));
    }

    it('adds an ephemeral container targeting app; a second one joins it; get -o yaml shows both', async () => {
      const ns = await env.namespace('debug');
      await appPod(ns);
      const k = env.kubectl.ns(ns);
      const first = await k.run(['debug', 'web', `--image=${IMAGE}`, '--target=app']);
      assert.equal(first.code, 0, first.stderr);
      assert.doesNotMatch(first.stderr, /error/i);
      let pod = await env.api.get(podPath(ns, 'web'));
      assert.equal(pod.spec.ephemeralContainers.length, 1);
      const ec = pod.spec.ephemeralContainers[0];
      assert.match(ec.name, /^debugger-[a-z0-9]{5}$/);
      assert.equal(ec.image, IMAGE);
      assert.equal(ec.targetContainerName, 'app');
      // the container defaults kube applies to what kubectl sent
      assert.equal(ec.imagePullPolicy, 'IfNotPresent');
      assert.equal(ec.terminationMessagePolicy, 'File');
      assert.equal(ec.terminationMessagePath, '/dev/termination-log');
      // nothing else of the pod changed
      assert.deepEqual(pod.spec.containers.map((c: { name: string }) => c.name), ['app', 'sidecar']);

      const second = await k.run(['debug', 'web', `--image=${IMAGE}`, '--target=sidecar', '-c', 'dbg2', '--profile=general']);
      assert.equal(second.code, 0, second.stderr);
      pod = await env.api.get(podPath(ns, 'web'));
      assert.deepEqual(pod.spec.ephemeralContainers.map((c: { name: string }) => c.name), [ec.name, 'dbg2']);
      assert.deepEqual(pod.spec.ephemeralContainers[0], ec, 'the first one is untouched');
      const dbg2 = pod.spec.ephemeralContainers[1];
      assert.equal(dbg2.targetContainerName, 'sidecar');
      // the general profile adds SYS_PTRACE for an ephemeral container
      assert.deepEqual(dbg2.securityContext?.capabilities?.add, ['SYS_PTRACE']);

      const yaml = parseYaml(await k.ok(['get', 'pod', 'web', '-o', 'yaml']));
      assert.deepEqual(yaml.spec.ephemeralContainers.map((c: { name: string; targetContainerName: string }) => [c.name, c.targetContainerName]), [
        [ec.name, 'app'],
        ['dbg2', 'sidecar'],
      ]);
      // GET of the subresource answers the pod
      const viaSub = await env.api.get(`${podPath(ns, 'web')}/ephemeralcontainers`);
      assert.equal(viaSub.kind, 'Pod');
      assert.equal(viaSub.spec.ephemeralContainers.length, 2);
    });

    it('refuses changing an existing ephemeral container, an unknown target, and a pod update touching them', async () => {
      const ns = await env.namespace('debug-refuse');
      await appPod(ns);
      const k = env.kubectl.ns(ns);
      await k.ok(['debug', 'web', `--image=${IMAGE}`, '-c', 'dbg']);
      // (kubectl debug -c dbg again sends the old and the new container under one merge key: no net change;
      // kubectl patch --subresource knows only status and scale: the strategic merge patch goes direct.)
      const changed = await env.api.request(
        'PATCH',
        `${podPath(ns, 'web')}/ephemeralcontainers`,
        { spec: { ephemeralContainers: [{ name: 'dbg', image: 'localhost/busybox:1.36' }] } },
        'application/strategic-merge-patch+json',
      );
      assert.equal(changed.status, 422, changed.text);
      assert.match((changed.json as { message: string }).message, /^Pod "web" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n/);
      const target = await k.fail(['debug', 'web', `--image=${IMAGE}`, '-c', 'dbg3', '--target=nope']);
      assert.match(withoutKlog(target.stderr), /The Pod "web" is invalid: spec\.ephemeralContainers\[1\]\.targetContainerName: Not found: "nope"/);
      // the pod's own update path may not change them (kube's "pod updates may not change fields other than ...")
      const pod = await env.api.get(podPath(ns, 'web'));
      pod.spec.ephemeralContainers = [];
      const put = await env.api.request('PUT', podPath(ns, 'web'), pod);
      assert.equal(put.status, 422, put.text);
      assert.match((put.json as { message: string }).message, /spec: Forbidden: pod updates may not change fields other than/);
      // nor can the subresource change anything else: a container image sent through it is ignored
      const viaSub = await env.api.get(`${podPath(ns, 'web')}/ephemeralcontainers`);
      viaSub.spec.containers[0].image = 'evil:1';
      viaSub.spec.ephemeralContainers.push({ name: 'dbg4', image: IMAGE });
      const written = await env.api.must('PUT', `${podPath(ns, 'web')}/ephemeralcontainers`, viaSub);
      assert.equal(written.spec.containers[0].image, 'nginx:1.27');
      assert.deepEqual(written.spec.ephemeralContainers.map((c: { name: string }) => c.name), ['dbg', 'dbg4']);
      // a merge patch, a JSON patch and a server-side apply add through the same strategy
      const merged = await env.api.request(
        'PATCH',
        `${podPath(ns, 'web')}/ephemeralcontainers`,
        { spec: { ephemeralContainers: [...written.spec.ephemeralContainers, { name: 'dbg5', image: IMAGE }] } },
        'application/merge-patch+json',
      );
      assert.equal(merged.status, 200, merged.text);
      const added = await env.api.request('PATCH', `${podPath(ns, 'web')}/ephemeralcontainers`, [{ op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'dbg6', image: IMAGE } }], 'application/json-patch+json');
      assert.equal(added.status, 200, added.text);
      const applied = await env.api.request(
        'PATCH',
        `${podPath(ns, 'web')}/ephemeralcontainers?fieldManager=debugger`,
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  ephemeralContainers:\n  - name: dbg7\n    image: ${IMAGE}\n`,
        'application/apply-patch+yaml',
      );
      assert.equal(applied.status, 200, applied.text);
      const afterApply = applied.json as { spec: { ephemeralContainers: { name: string }[]; containers: { name: string }[] }; metadata: { managedFields: { manager: string; subresource?: string }[] } };
      assert.deepEqual(afterApply.spec.ephemeralContainers.map((c) => c.name), ['dbg', 'dbg4', 'dbg5', 'dbg6', 'dbg7']);
      assert.deepEqual(afterApply.spec.containers.map((c) => c.name), ['app', 'sidecar'], 'apply through the subresource leaves the containers alone');
      assert.ok(afterApply.metadata.managedFields.some((m) => m.manager === 'debugger' && m.subresource === 'ephemeralcontainers'));
      const jsonPatch = await env.api.request('PATCH', `${podPath(ns, 'web')}/ephemeralcontainers`, [{ op: 'remove', path: '/spec/ephemeralContainers/0' }], 'application/json-patch+json');
      assert.equal(jsonPatch.status, 422, jsonPatch.text);
      assert.match(jsonPatch.text, /existing ephemeral containers \\"dbg\\" may not be removed/);
    });

    it('Pod Security applies to the subresource: a privileged debugger is refused in a baseline namespace', async () => {
      const ns = await env.namespace('debug-psa');
      await env.api.mergePatch(`/api/v1/namespaces/${ns}`, { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
      await appPod(ns);
      const k = env.kubectl.ns(ns);
      // the baseline profile passes; general adds SYS_PTRACE, which baseline does not allow
      await k.ok(['debug', 'web', `--image=${IMAGE}`, '-c', 'plain', '--profile=baseline']);
      const ptrace = await k.fail(['debug', 'web', `--image=${IMAGE}`, '-c', 'ptrace', '--profile=general']);
      assert.match(
        withoutKlog(ptrace.stderr),
        /pods "web" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities \(container "ptrace" must not include "SYS_PTRACE" in securityContext\.capabilities\.add\)/,
      );
      // what --profile=sysadmin (kubectl 1.30+) sends
      const refused = await env.api.request(
        'PATCH',
        `${podPath(ns, 'web')}/ephemeralcontainers`,
        { spec: { ephemeralContainers: [{ name: 'root', image: IMAGE, securityContext: { privileged: true } }] } },
        'application/strategic-merge-patch+json',
      );
      assert.equal(refused.status, 403, refused.text);
      assert.equal(
        (refused.json as { message: string }).message,
        'pods "web" is forbidden: violates PodSecurity "baseline:latest": privileged (container "root" must not set securityContext.privileged=true)',
      );
      const node = await k.fail(['debug', 'node/debug-n1', `--image=${IMAGE}`]);
      assert.match(
        withoutKlog(node.stderr),
        /pods "node-debugger-debug-n1-[a-z0-9]{5}" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true, hostPID=true, hostIPC=true\), hostPath volumes \(volume "host-root"\)/,
      );
    });

    it('--copy-to creates the copy with the debug container and a shared process namespace', async () => {
      const ns = await env.namespace('debug-copy');
      await appPod(ns);
      const k = env.kubectl.ns(ns);
      const r = await k.run(['debug', 'web', `--image=${IMAGE}`, '--copy-to=web-copy', '--share-processes', '-c', 'dbg']);
      assert.equal(r.code, 0, r.stderr);
      const copy = await env.api.get(podPath(ns, 'web-copy'));
      assert.deepEqual(copy.spec.containers.map((c: { name: string }) => c.name), ['app', 'sidecar', 'dbg']);
      assert.equal(copy.spec.shareProcessNamespace, true);
      assert.equal(copy.spec.ephemeralContainers, undefined);
      assert.equal(copy.spec.containers[2].image, IMAGE);
      const original = await env.api.get(podPath(ns, 'web'));
      assert.equal(original.spec.ephemeralContainers, undefined, 'the original is left alone');
    });

    it('debug node/NAME creates the node-debugger pod as upstream', async () => {
      const ns = await env.namespace('debug-node');
      const k = env.kubectl.ns(ns);
      const r = await k.run(['debug', 'node/debug-n1', `--image=${IMAGE}`]);
      assert.equal(r.code, 0, r.stderr);
      const m = /Creating debugging pod (node-debugger-debug-n1-[a-z0-9]{5}) with container debugger on node debug-n1\./.exec(r.stdout + r.stderr);
      assert.ok(m, r.stdout + r.stderr);
      const pod = await env.api.get(podPath(ns, m[1]!));
      assert.equal(pod.spec.nodeName, 'debug-n1');
      assert.equal(pod.spec.hostNetwork, true);
      assert.equal(pod.spec.hostPID, true);
      assert.equal(pod.spec.hostIPC, true);
      assert.equal(pod.spec.restartPolicy, 'Never');
      const vol = pod.spec.volumes.find((v: { name: string }) => v.name === 'host-root');
      assert.equal(vol?.hostPath?.path, '/');
      assert.ok(pod.spec.containers[0].volumeMounts.some((v: { name: string; mountPath: string }) => v.name === 'host-root' && v.mountPath === '/host'));
      assert.ok(pod.spec.tolerations.some((t: { operator?: string; key?: string }) => t.operator === 'Exists' && !t.key));
    });

    it('404s carry details: a missing pod names it, an unknown subresource has empty details (kubectl never crashes)', async () => {
      const ns = await env.namespace('debug-404');
      const missing = await env.api.request('PATCH', `${podPath(ns, 'x')}/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'd', image: IMAGE }] } }, 'application/strategic-merge-patch+json');
      assert.equal(missing.status, 404, missing.text);
      assert.deepEqual(missing.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "x" not found',
        reason: 'NotFound',
        details: { name: 'x', kind: 'pods' },
        code: 404,
      });
      const unknown = await env.api.request('PATCH', `${podPath(ns, 'x')}/nosuchsub`, {}, 'application/strategic-merge-patch+json');
      assert.equal(unknown.status, 404, unknown.text);
      assert.deepEqual((unknown.json as { details?: unknown }).details, {});
      for (const p of ['/api/v1/nosuch', '/apis/nope.example.com/v1/things', `/api/v1/namespaces/${ns}/pods/x/nosuchsub`]) {
        const r = await env.api.request('GET', p);
        assert.equal(r.status, 404, p);
        assert.deepEqual((r.json as { details?: unknown }).details, {}, p);
      }
      const k = env.kubectl.ns(ns);
      const nf = await k.fail(['debug', 'x', `--image=${IMAGE}`]);
      assert.equal(withoutKlog(nf.stderr).trim().split('\n').at(-1), 'Error from server (NotFound): pods "x" not found');
      assert.doesNotMatch(nf.stderr, /panic|nil pointer/);
    });
  });
}
