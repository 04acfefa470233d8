/**
 * apps/v1 with the real kubectl 1.29 and 1.33 against an apiserver alone (no controllers, so status stays as
 * created and tables are deterministic): create deployment (protobuf), get tables, scale through the scale
 * subresource, apply then apply again / edit / patch (containers merged by name), explain, kube's validation
 * messages verbatim, `get all`, and the other apps kinds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { assertTable, startKubectlEnv, type KubectlEnv } from '../../e2e/framework/kubectl.ts';

const deploymentYaml = (name: string, image: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: main
        image: ${image}
        ports:
        - containerPort: 80
`;

const OTHER_KINDS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:17}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: agent, image: busybox:1.36}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec:
      containers: [{name: front, image: nginx:1.27}]
---
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: db-7b9c
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: 00000000-0000-0000-0000-000000000001, controller: true}]
data: {spec: {template: {}}}
revision: 1
`;

for (const minor of [29, 33]) {
  describe(`apps/v1 with kubectl 1.${minor}`, () => {
    let env: KubectlEnv;
    before(async () => {
      env = await startKubectlEnv({ minorVersion: minor });
    });
    after(async () => {
      await env?.close();
    });

    it('create deployment, get deploy table, defaults, scale through the scale subresource', async () => {
      const k = env.kubectl.ns(await env.namespace('create'));
      assert.equal(await k.ok(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2']), 'deployment.apps/web created\n');
      assertTable(await k.ok(['get', 'deploy']), `
        NAME   READY   UP-TO-DATE   AVAILABLE   AGE
        web    0/2     0            0           <age>`);
      assertTable(await k.ok(['get', 'deployments', '-o', 'wide']), `
        NAME   READY   UP-TO-DATE   AVAILABLE   AGE     CONTAINERS   IMAGES       SELECTOR
        web    0/2     0            0           <age>   nginx        nginx:1.27   app=web`);
      const d = JSON.parse(await k.ok(['get', 'deploy', 'web', '-o', 'json']));
      assert.equal(d.metadata.generation, 1);
      assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
      assert.equal(d.spec.revisionHistoryLimit, 10);
      assert.equal(d.spec.progressDeadlineSeconds, 600);
      const podSpec = d.spec.template.spec;
      assert.equal(podSpec.restartPolicy, 'Always');
      assert.equal(podSpec.dnsPolicy, 'ClusterFirst');
      assert.equal(podSpec.schedulerName, 'default-scheduler');
      assert.equal(podSpec.terminationGracePeriodSeconds, 30);
      assert.equal(podSpec.enableServiceLinks, undefined, 'templates do not get the Pod-only defaults');
      assert.equal(podSpec.containers[0].imagePullPolicy, 'IfNotPresent');
      assert.equal(podSpec.containers[0].terminationMessagePath, '/dev/termination-log');

      assert.equal(await k.ok(['scale', 'deployment', 'web', '--replicas=3']), 'deployment.apps/web scaled\n');
      assert.equal(await k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}']), '3 2');
      const precondition = await k.fail(['scale', 'deploy/web', '--current-replicas=2', '--replicas=5']);
      assert.match(precondition.stderr, /Expected replicas to be 2, was 3/);
      const scale = JSON.parse(await k.ok(['get', '--raw', `/apis/apps/v1/namespaces/${k.namespace}/deployments/web/scale`]));
      assert.deepEqual({ spec: scale.spec, status: scale.status, kind: scale.kind, apiVersion: scale.apiVersion }, {
        spec: { replicas: 3 },
        status: { replicas: 0, selector: 'app=web' },
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
      });
      assertTable(await k.ok(['get', 'deploy', 'web', '--subresource=scale']), `
        NAME   DESIRED   AVAILABLE
        web    3         0`);
      assertTable(await k.ok(['get', 'deploy', 'web', '--subresource=status']), `
        NAME   READY   UP-TO-DATE   AVAILABLE   AGE
        web    0/3     0            0           <age>`);
      assert.equal(await k.ok(['scale', 'deploy', 'web', '--replicas=0']), 'deployment.apps/web scaled\n');
      assertTable(await k.ok(['get', 'deploy']), `
        NAME   READY   UP-TO-DATE   AVAILABLE   AGE
        web    0/0     0            0           <age>`);
    });

    it('apply, apply again, edit and patch: generation moves with the spec, containers merge by name', async () => {
      const k = env.kubectl.ns(await env.namespace('apply'));
      env.write(`front-${minor}.yaml`, deploymentYaml('front', 'nginx:1.26'));
      assert.equal(await k.ok(['apply', '-f', `front-${minor}.yaml`]), 'deployment.apps/front created\n');
      assert.equal(await k.ok(['apply', '-f', `front-${minor}.yaml`]), 'deployment.apps/front unchanged\n');
      env.write(`front-${minor}.yaml`, deploymentYaml('front', 'nginx:1.27'));
      assert.equal(await k.ok(['apply', '-f', `front-${minor}.yaml`]), 'deployment.apps/front configured\n');
      assert.equal(await k.ok(['get', 'deploy', 'front', '-o', 'jsonpath={.metadata.generation} {.spec.template.spec.containers[0].image}']), '2 nginx:1.27');

      // kubectl edit with an "editor" that rewrites the replica count.
      const editor = join(env.dir, `editor-${minor}.sh`);
      env.write(`editor-${minor}.sh`, '#!/bin/sh\nsed -i "s/replicas: 2/replicas: 4/" "$1"\n');
      chmodSync(editor, 0o755);
      assert.equal(await k.ok(['edit', 'deployment', 'front'], { env: { KUBE_EDITOR: editor, EDITOR: editor } }), 'deployment.apps/front edited\n');
      assert.equal(await k.ok(['get', 'deploy', 'front', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}']), '4 3');

      // A strategic merge patch adds a container by name and keeps the other one; a second one changes it in place.
      await k.ok(['patch', 'deployment', 'front', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}']);
      await k.ok(['patch', 'deployment', 'front', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:1.28"}]}}}}']);
      const containers = JSON.parse(await k.ok(['get', 'deploy', 'front', '-o', 'jsonpath={.spec.template.spec.containers}'])) as { name: string; image: string }[];
      assert.deepEqual(containers.map((c) => `${c.name}=${c.image}`).sort(), ['main=nginx:1.28', 'sidecar=busybox:1.36']);
      assert.equal(await k.ok(['set', 'image', 'deployment/front', 'sidecar=busybox:1.37']), 'deployment.apps/front image updated\n');
      // strategy is retainKeys: switching to Recreate through apply drops rollingUpdate ($retainKeys).
      env.write(`front-recreate-${minor}.yaml`, deploymentYaml('front', 'nginx:1.27').replace('spec:\n  replicas', 'spec:\n  strategy:\n    type: Recreate\n  replicas'));
      assert.equal(await k.ok(['apply', '-f', `front-recreate-${minor}.yaml`]), 'deployment.apps/front configured\n');
      assert.equal(await k.ok(['get', 'deploy', 'front', '-o', 'jsonpath={.spec.strategy}']), '{"type":"Recreate"}');
      // Server-side apply of the manifest takes the fields it names back.
      await k.ok(['apply', '--server-side', '--force-conflicts', '-f', `front-${minor}.yaml`]);
      assert.equal(await k.ok(['get', 'deploy', 'front', '-o', 'jsonpath={.spec.replicas}']), '2');
    });

    it("validation errors in kube's words", async () => {
      const k = env.kubectl.ns(await env.namespace('invalid'));
      env.write(
        `bad-${minor}.yaml`,
        deploymentYaml('bad', 'nginx:1.27').replace('  template:\n    metadata:\n      labels: {app: bad}', '  template:\n    metadata:\n      labels: {app: other}'),
      );
      const mismatch = await k.fail(['create', '-f', `bad-${minor}.yaml`]);
      assert.match(
        mismatch.stderr,
        /The Deployment "bad" is invalid: spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/,
      );

      env.write(`bad2-${minor}.yaml`, deploymentYaml('bad2', '').replace('image: \n', 'image: ""\n').replace('replicas: 2', 'replicas: -1'));
      const many = await k.fail(['apply', '-f', `bad2-${minor}.yaml`]);
      assert.match(many.stderr, /The Deployment "bad2" is invalid: \n\* spec\.replicas: Invalid value: -1: must be greater than or equal to 0\n\* spec\.template\.spec\.containers\[0\]\.image: Required value/);

      await k.ok(['create', 'deployment', 'sel', '--image=nginx:1.27']);
      const immutable = await k.fail(['patch', 'deploy', 'sel', '-p', '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}']);
      assert.match(
        immutable.stderr,
        /The Deployment "sel" is invalid: spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"x"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable/,
      );
      const negative = await k.fail(['patch', 'deploy', 'sel', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":-1}}']);
      assert.match(negative.stderr, /The Scale "sel" is invalid: spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
    });

    it('statefulsets, daemonsets, replicasets, controllerrevisions: tables, get all, StatefulSet immutable spec', async () => {
      const k = env.kubectl.ns(await env.namespace('kinds'));
      env.write(`kinds-${minor}.yaml`, OTHER_KINDS);
      await k.ok(['apply', '-f', `kinds-${minor}.yaml`]);
      assertTable(await k.ok(['get', 'sts']), `
        NAME   READY   AGE
        db     0/3     <age>`);
      assertTable(await k.ok(['get', 'ds']), `
        NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE
        agent   0         0         0       0            0           disk=ssd        <age>`);
      assertTable(await k.ok(['get', 'rs']), `
        NAME    DESIRED   CURRENT   READY   AGE
        front   2         0         0       <age>`);
      assertTable(await k.ok(['get', 'controllerrevisions']), `
        NAME      CONTROLLER            REVISION   AGE
        db-7b9c   statefulset.apps/db   1          <age>`);
      const all = await k.ok(['get', 'all']);
      for (const name of ['daemonset.apps/agent', 'replicaset.apps/front', 'statefulset.apps/db']) assert.match(all, new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'));
      assert.doesNotMatch(all, /controllerrevision/, 'controllerrevisions are not in the all category');

      const sts = JSON.parse(await k.ok(['get', 'sts', 'db', '-o', 'json']));
      assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
      assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
      assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
      const ds = JSON.parse(await k.ok(['get', 'ds', 'agent', '-o', 'json']));
      assert.equal(ds.metadata.annotations['deprecated.daemonset.template.generation'], '1');
      assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });

      assert.equal(await k.ok(['scale', 'statefulset', 'db', '--replicas=5']), 'statefulset.apps/db scaled\n');
      assert.equal(await k.ok(['scale', 'rs', 'front', '--replicas=1']), 'replicaset.apps/front scaled\n');
      const forbidden = await k.fail(['patch', 'sts', 'db', '-p', '{"spec":{"serviceName":"other"}}']);
      assert.match(
        forbidden.stderr,
        /The StatefulSet "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/,
      );
    });

    it('explain and api-resources', async () => {
      const explained = await env.kubectl.ok(['explain', 'deployment.spec']);
      assert.match(explained, /KIND:\s+Deployment/);
      assert.match(explained, /FIELD: spec <DeploymentSpec>/);
      for (const field of ['minReadySeconds', 'paused', 'progressDeadlineSeconds', 'replicas', 'revisionHistoryLimit', 'selector', 'strategy', 'template']) {
        assert.match(explained, new RegExp(`^  ${field}\\t`, 'm'));
      }
      assert.match(await env.kubectl.ok(['explain', 'statefulset.spec.updateStrategy.rollingUpdate']), /partition\t<integer>/);
      const resources = await env.kubectl.ok(['api-resources', '--api-group=apps', '-o', 'wide']);
      assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
      assert.match(resources, /^statefulsets\s+sts\s+apps\/v1\s+true\s+StatefulSet\s/m);
      assert.match(resources, /^controllerrevisions\s+apps\/v1\s+true\s+ControllerRevision\s/m);
    });
  });
}
