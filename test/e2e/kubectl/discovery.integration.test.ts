/**
 * kubectl commands that live on discovery, /version and OpenAPI: api-resources, api-versions, cluster-info,
 * version, explain, get --raw; and the `kubectl` dispatcher picking kubectl.1.<minor> from /version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertTable, Kubectl, kubectlBinary, startKubectlEnv, type KubectlEnv } from '../framework/kubectl.ts';

let env: KubectlEnv;

before(async () => {
  env = await startKubectlEnv();
});
after(async () => {
  await env?.close();
});

describe('discovery commands', () => {
  it('api-resources: NAME SHORTNAMES APIVERSION NAMESPACED KIND, wide, name, filters', async () => {
    const k = env.kubectl;
    assertTable(
      await k.ok(['api-resources']),
      `NAME                         SHORTNAMES   APIVERSION                     NAMESPACED   KIND
       bindings                     ''           v1                             true         Binding
       configmaps                   cm           v1                             true         ConfigMap
       endpoints                    ep           v1                             true         Endpoints
       events                       ev           v1                             true         Event
       namespaces                   ns           v1                             false        Namespace
       nodes                        no           v1                             false        Node
       pods                         po           v1                             true         Pod
       secrets                      ''           v1                             true         Secret
       serviceaccounts              sa           v1                             true         ServiceAccount
       services                     svc          v1                             true         Service
       controllerrevisions          ''           apps/v1                        true         ControllerRevision
       daemonsets                   ds           apps/v1                        true         DaemonSet
       deployments                  deploy       apps/v1                        true         Deployment
       replicasets                  rs           apps/v1                        true         ReplicaSet
       statefulsets                 sts          apps/v1                        true         StatefulSet
       selfsubjectreviews           ''           authentication.k8s.io/v1       false        SelfSubjectReview
       tokenreviews                 ''           authentication.k8s.io/v1       false        TokenReview
       localsubjectaccessreviews    ''           authorization.k8s.io/v1        true         LocalSubjectAccessReview
       selfsubjectaccessreviews     ''           authorization.k8s.io/v1        false        SelfSubjectAccessReview
       selfsubjectrulesreviews      ''           authorization.k8s.io/v1        false        SelfSubjectRulesReview
       subjectaccessreviews         ''           authorization.k8s.io/v1        false        SubjectAccessReview
       cronjobs                     cj           batch/v1                       true         CronJob
       jobs                         ''           batch/v1                       true         Job
       certificatesigningrequests   csr          certificates.k8s.io/v1         false        CertificateSigningRequest
       leases                       ''           coordination.k8s.io/v1         true         Lease
       endpointslices               ''           discovery.k8s.io/v1            true         EndpointSlice
       poddisruptionbudgets         pdb          policy/v1                      true         PodDisruptionBudget
       clusterrolebindings          ''           rbac.authorization.k8s.io/v1   false        ClusterRoleBinding
       clusterroles                 ''           rbac.authorization.k8s.io/v1   false        ClusterRole
       rolebindings                 ''           rbac.authorization.k8s.io/v1   true         RoleBinding
       roles                        ''           rbac.authorization.k8s.io/v1   true         Role`,
    );
    assertTable(
      await k.ok(['api-resources', '-o', 'wide', '--api-group=']),
      `NAME              SHORTNAMES   APIVERSION   NAMESPACED   KIND             VERBS                                                        CATEGORIES
       bindings          ''           v1           true         Binding          create                                                       ''
       configmaps        cm           v1           true         ConfigMap        create,delete,deletecollection,get,list,patch,update,watch   ''
       endpoints         ep           v1           true         Endpoints        create,delete,deletecollection,get,list,patch,update,watch   ''
       events            ev           v1           true         Event            create,delete,deletecollection,get,list,patch,update,watch   ''
       namespaces        ns           v1           false        Namespace        create,delete,get,list,patch,update,watch                    ''
       nodes             no           v1           false        Node             create,delete,deletecollection,get,list,patch,update,watch   ''
       pods              po           v1           true         Pod              create,delete,deletecollection,get,list,patch,update,watch   all
       secrets           ''           v1           true         Secret           create,delete,deletecollection,get,list,patch,update,watch   ''
       serviceaccounts   sa           v1           true         ServiceAccount   create,delete,deletecollection,get,list,patch,update,watch   ''
       services          svc          v1           true         Service          create,delete,deletecollection,get,list,patch,update,watch   all`,
    );
    assertTable(
      await k.ok(['api-resources', '-o', 'wide', '--api-group=apps']),
      `NAME                  SHORTNAMES   APIVERSION   NAMESPACED   KIND                 VERBS                                                        CATEGORIES
       controllerrevisions   ''           apps/v1      true         ControllerRevision   create,delete,deletecollection,get,list,patch,update,watch   ''
       daemonsets            ds           apps/v1      true         DaemonSet            create,delete,deletecollection,get,list,patch,update,watch   all
       deployments           deploy       apps/v1      true         Deployment           create,delete,deletecollection,get,list,patch,update,watch   all
       replicasets           rs           apps/v1      true         ReplicaSet           create,delete,deletecollection,get,list,patch,update,watch   all
       statefulsets          sts          apps/v1      true         StatefulSet          create,delete,deletecollection,get,list,patch,update,watch   all`,
    );
    assertTable(
      await k.ok(['api-resources', '-o', 'wide', '--api-group=batch']),
      `NAME       SHORTNAMES   APIVERSION   NAMESPACED   KIND      VERBS                                                        CATEGORIES
       cronjobs   cj           batch/v1     true         CronJob   create,delete,deletecollection,get,list,patch,update,watch   all
       jobs       ''           batch/v1     true         Job       create,delete,deletecollection,get,list,patch,update,watch   all`,
    );
    assertTable(
      await k.ok(['api-resources', '-o', 'wide', '--api-group=policy']),
      `NAME                   SHORTNAMES   APIVERSION   NAMESPACED   KIND                  VERBS                                                        CATEGORIES
       poddisruptionbudgets   pdb          policy/v1    true         PodDisruptionBudget   create,delete,deletecollection,get,list,patch,update,watch   ''`,
    );
    assert.equal(
      await k.ok(['api-resources', '-o', 'name']),
      [
        'bindings',
        'configmaps',
        'endpoints',
        'events',
        'namespaces',
        'nodes',
        'pods',
        'secrets',
        'serviceaccounts',
        'services',
        'controllerrevisions.apps',
        'daemonsets.apps',
        'deployments.apps',
        'replicasets.apps',
        'statefulsets.apps',
        'selfsubjectreviews.authentication.k8s.io',
        'tokenreviews.authentication.k8s.io',
        'localsubjectaccessreviews.authorization.k8s.io',
        'selfsubjectaccessreviews.authorization.k8s.io',
        'selfsubjectrulesreviews.authorization.k8s.io',
        'subjectaccessreviews.authorization.k8s.io',
        'cronjobs.batch',
        'jobs.batch',
        'certificatesigningrequests.certificates.k8s.io',
        'leases.coordination.k8s.io',
        'endpointslices.discovery.k8s.io',
        'poddisruptionbudgets.policy',
        'clusterrolebindings.rbac.authorization.k8s.io',
        'clusterroles.rbac.authorization.k8s.io',
        'rolebindings.rbac.authorization.k8s.io',
        'roles.rbac.authorization.k8s.io',
        '',
      ].join('\n'),
    );
    assert.equal(
      await k.ok(['api-resources', '--namespaced=false', '-o', 'name']),
      [
        'namespaces',
        'nodes',
        'selfsubjectreviews.authentication.k8s.io',
        'tokenreviews.authentication.k8s.io',
        'selfsubjectaccessreviews.authorization.k8s.io',
        'selfsubjectrulesreviews.authorization.k8s.io',
        'subjectaccessreviews.authorization.k8s.io',
        'certificatesigningrequests.certificates.k8s.io',
        'clusterrolebindings.rbac.authorization.k8s.io',
        'clusterroles.rbac.authorization.k8s.io',
        '',
      ].join('\n'),
    );
    assert.equal(await k.ok(['api-resources', '--api-group=coordination.k8s.io', '-o', 'name']), 'leases.coordination.k8s.io\n');
    assert.equal(
      await k.ok(['api-resources', '--verbs=list', '--namespaced', '-o', 'name']),
      'configmaps\nendpoints\nevents\npods\nsecrets\nserviceaccounts\nservices\ncontrollerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\ncronjobs.batch\njobs.batch\nleases.coordination.k8s.io\nendpointslices.discovery.k8s.io\npoddisruptionbudgets.policy\nrolebindings.rbac.authorization.k8s.io\nroles.rbac.authorization.k8s.io\n',
    );
  });

  it('api-versions, cluster-info, version, get --raw', async () => {
    const k = env.kubectl;
    assert.equal(
      await k.ok(['api-versions']),
      'apps/v1\nauthentication.k8s.io/v1\nauthorization.k8s.io/v1\nbatch/v1\ncertificates.k8s.io/v1\ncoordination.k8s.io/v1\ndiscovery.k8s.io/v1\npolicy/v1\nrbac.authorization.k8s.io/v1\nv1\n',
    );
    assert.equal(await k.ok(['cluster-info']), `Kubernetes control plane is running at ${env.server.url}\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`);
    const v = await k.ok(['version']);
    assert.match(v, /^Client Version: v1\.32\.\d+\nKustomize Version: v\d+\.\d+\.\d+\nServer Version: v1\.32\.\d+\n$/);
    const json = JSON.parse(await k.ok(['version', '-o', 'json']));
    assert.equal(json.serverVersion.major, '1');
    assert.equal(json.serverVersion.minor, '32');
    assert.match(json.serverVersion.gitVersion, /^v1\.32\./);
    assert.equal(json.serverVersion.platform, 'linux/amd64');
    assert.equal(await k.ok(['get', '--raw', '/healthz']), 'ok');
    assert.equal(await k.ok(['get', '--raw', '/readyz']), 'ok');
    const raw = JSON.parse(await k.ok(['get', '--raw', '/api/v1/namespaces/default/services/kubernetes']));
    assert.equal(raw.spec.ports[0].port, 443);
    const nf = await k.fail(['get', '--raw', '/api/v1/nope']);
    assert.equal(nf.stderr, 'Error from server (NotFound): the server could not find the requested resource\n');
    const unknown = await k.fail(['get', 'widgets']);
    assert.equal(unknown.stderr, 'error: the server doesn\'t have a resource type "widgets"\n');
  });

  it('explain prints fields with descriptions from the OpenAPI v3 schemas', async () => {
    const k = env.kubectl;
    const out = await k.ok(['explain', 'pod.spec.containers']);
    const head = ['KIND:       Pod', 'VERSION:    v1', '', 'FIELD: containers <[]Container>', '', '', 'DESCRIPTION:'].join('\n');
    assert.ok(out.startsWith(head), `explain header:\n${out.slice(0, 400)}`);
    assert.match(out, /^    List of containers belonging to the pod\. Containers cannot currently be\n    added or removed\. There must be at least one container in a Pod\. Cannot be\n    updated\.$/m);
    assert.match(out, /^FIELDS:$/m);
    assert.match(out, /^  image\t<string>$/m);
    assert.match(out, /^  name\t<string> -required-$/m);
    assert.match(out, /^    Name of the container specified as a DNS_LABEL\. Each container in a pod must$/m);
    assert.match(out, /^  imagePullPolicy\t<string>\n  enum: Always, IfNotPresent, Never$/m);
    assert.match(out, /^  ports\t<\[\]ContainerPort>$/m);

    const pods = await k.ok(['explain', 'pods']);
    assert.match(pods, /^DESCRIPTION:\n    Pod is a collection of containers that can run on a host\. This resource is\n    created by clients and scheduled onto hosts\.$/m);
    for (const f of ['apiVersion\t<string>', 'kind\t<string>', 'metadata\t<ObjectMeta>', 'spec\t<PodSpec>', 'status\t<PodStatus>']) assert.ok(pods.includes(`  ${f}\n`), `pods has ${f}`);

    const lease = await k.ok(['explain', 'leases.spec.holderIdentity']);
    assert.ok(lease.startsWith('GROUP:      coordination.k8s.io\nKIND:       Lease\nVERSION:    v1\n\nFIELD: holderIdentity <string>\n'), lease);
    const nodeInfo = await k.ok(['explain', 'node.status.nodeInfo.kubeletVersion']);
    assert.match(nodeInfo, /^FIELD: kubeletVersion <string>$/m);
    const recursive = await k.ok(['explain', 'pod.spec.containers.ports', '--recursive']);
    assert.match(recursive, /^  containerPort\t<integer> -required-$/m);
    assert.match(recursive, /^  protocol\t<string>\n  enum: SCTP, TCP, UDP$/m);
    const bad = await k.fail(['explain', 'pod.spec.nope']);
    assert.equal(bad.stderr, 'error: field "nope" does not exist\n');
  });
});

describe('the kubectl dispatcher', () => {
  for (const minor of [30, 33]) {
    it(`execs kubectl.1.${minor} for a server whose /version says minor ${minor}`, async () => {
      const e = await startKubectlEnv({ minorVersion: minor, binary: 'dispatcher' });
      try {
        // -v=7 logs the request headers: the User-Agent names the binary the dispatcher ran.
        const r = await e.kubectl.run(['get', 'namespaces', 'default', '-v=7']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`User-Agent: kubectl(?:\\.1\\.${minor})?/v1\\.${minor}\\.`));
        assert.match(r.stdout, /^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+\S+\n$/);
        // The binary the framework runs directly for that minor is the same one.
        const direct = new Kubectl({ binary: kubectlBinary(minor), kubeconfig: e.server.kubeconfig, cacheDir: join(e.dir, 'direct-cache'), cwd: e.dir });
        assert.match(await direct.ok(['version', '--client']), new RegExp(`^Client Version: v1\\.${minor}\\.`));
      } finally {
        await e.close();
      }
    });
  }
});
