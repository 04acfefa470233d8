import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeObject, encodeObject } from './envelope.ts';

/**
 * Request bodies captured from kubectl 1.32 against kubelab (a recording proxy in front of the test server):
 * `kubectl create deployment web --image=nginx:1.27 --replicas=3 --port=80`, `kubectl create configmap cfg
 * --from-literal=a=1`, `kubectl create secret generic sec --from-literal=password=s3cr3t`, `kubectl debug orig
 * --copy-to=orig-debug --image=busybox:1.36 --container=dbg -- sleep 5` (the copied pod, defaults included) and
 * `kubectl drain n1 --force --grace-period=0 --disable-eviction` (its DELETE's DeleteOptions). go-to-protobuf
 * writes every non-pointer field, zero or not; the decoded objects are what Go's JSON of the same structs says.
 */
const CREATE_DEPLOYMENT =
  '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bd010a1f0a0377656212001a0022002a003200380042005a0a0a036170701203' +
  '776562128b010803120c0a0a0a0361707012037765621a710a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125112330a05' +
  '6e67696e78120a6e67696e783a312e32372a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a00520058' +
  '00600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200';
const CREATE_CONFIGMAP =
  '6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a0363666712001a0022002a0032003800420012060a01611201311a002200';
const CREATE_SECRET =
  '6b3873000a0c0a0276311206536563726574122b0a130a0373656312001a0022002a0032003800420012120a0870617373776f726412067333637233' +
  '741a001a002200';
const DEBUG_COPY_POD =
  '6b3873000a090a0276311203506f641284030a210a0a6f7269672d646562756712001a0764656661756c7422002a0032003800420012cc02123f0a04' +
  '6d61696e12056e67696e782a0042006a142f6465762f7465726d696e6174696f6e2d6c6f677206416c77617973800100880100900100a2010446696c' +
  '6512350a03646267120c62757379626f783a312e33361a05736c6565701a01352a0042006a007200800100880100900100a2010446696c651a06416c' +
  '77617973201e320c436c7573746572466972737442004a00520058006000680072008201008a01009a011164656661756c742d7363686564756c6572' +
  'b201360a1c6e6f64652e6b756265726e657465732e696f2f6e6f742d726561647912064578697374731a0022094e6f4578656375746528ac02b20138' +
  '0a1e6e6f64652e6b756265726e657465732e696f2f756e726561636861626c6512064578697374731a0022094e6f4578656375746528ac02c20100c8' +
  '0100f00101fa0114507265656d70744c6f7765725072696f726974791a100a001a0022002a0032004a005a0072001a002200';
const DRAIN_DELETE_OPTIONS =
  '6b3873000a130a027631120d44656c6574654f7074696f6e73120208001a002200';

const decode = (hex: string) => decodeObject(Buffer.from(hex, 'hex'));

describe('protobuf bodies captured from kubectl', () => {
  it('create deployment', () => {
    const d = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    };
    assert.deepEqual(decode(CREATE_DEPLOYMENT), d);
    assert.deepEqual(decodeObject(encodeObject(d)), d, 'and back through our encoder');
  });

  it('create configmap and secret', () => {
    assert.deepEqual(decode(CREATE_CONFIGMAP), { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', creationTimestamp: null }, data: { a: '1' } });
    assert.deepEqual(decode(CREATE_SECRET), {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'sec', creationTimestamp: null },
      data: { password: Buffer.from('s3cr3t').toString('base64') },
    });
  });

  it('debug --copy-to: the full pod with pointer zeros (priority 0) and empty structs kept', () => {
    assert.deepEqual(decode(DEBUG_COPY_POD), {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'orig-debug', namespace: 'default', creationTimestamp: null },
      spec: {
        containers: [
          { name: 'main', image: 'nginx', resources: {}, terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' },
          { name: 'dbg', image: 'busybox:1.36', command: ['sleep', '5'], resources: {}, terminationMessagePolicy: 'File' },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        securityContext: {},
        schedulerName: 'default-scheduler',
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ],
        priority: 0,
        enableServiceLinks: true,
        preemptionPolicy: 'PreemptLowerPriority',
      },
      status: {},
    });
  });

  it("drain's DeleteOptions (apiVersion v1): gracePeriodSeconds 0 is an explicit zero", () => {
    assert.deepEqual(decode(DRAIN_DELETE_OPTIONS), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
  });
});
