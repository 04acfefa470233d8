/**
 * RemoteRuntime against an in-process gRPC server speaking the same api.proto over a unix socket (unit tier,
 * no containerd): what goes on the wire (snake_case, enums, bytes envs, int64), what comes back (bigint
 * timestamps, null image), and how failures map (status codes, deadlines, aborts, no server).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CriError, isNotFound } from '../services.ts';
import { RemoteRuntime, findApiProto, toGrpcTarget } from './remote-runtime.ts';

/** Walks into a decoded request: at(req, 'config', 'envs', 0, 'value'). */
function at(v: unknown, ...keys: (string | number)[]): unknown {
  let cur = v;
  for (const k of keys) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[k] : undefined;
  return cur;
}

type Handler = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

describe('RemoteRuntime (against an in-process gRPC server)', () => {
  let dir = '';
  let server: grpc.Server;
  let rt: RemoteRuntime;
  const seen = new Map<string, Record<string, unknown>>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-rt-'));
    // Decode requests with the same options containerd-side code would see (raw protobuf semantics).
    const def = protoLoader.loadSync(findApiProto(), { keepCase: true, longs: String, enums: String, defaults: true });
    const record = (name: string, reply: unknown): Handler => (call, cb) => {
      seen.set(name, call.request);
      cb(null, reply);
    };
    const runtime: Record<string, Handler> = {
      Version: record('Version', { version: '0.1.0', runtime_name: 'grpc-test', runtime_version: '9.9', runtime_api_version: 'v1' }),
      CreateContainer: record('CreateContainer', { container_id: 'c1' }),
      ListPodSandbox: record('ListPodSandbox', {
        items: [{ id: 's1', metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 2 }, state: 'SANDBOX_NOTREADY', created_at: '1795786081412850070', labels: { a: 'b' } }],
      }),
      ContainerStatus: record('ContainerStatus', {
        status: {
          id: 'c1',
          metadata: { name: 'web', attempt: 1 },
          state: 'CONTAINER_EXITED',
          created_at: '1795786081580364320',
          started_at: '1795786081639392420',
          finished_at: '1795786081650996665',
          exit_code: 137,
          reason: 'OOMKilled',
          image: { image: 'localhost/busybox:1.35' },
          image_ref: 'sha256:abc',
          log_path: '/logs/web/1.log',
          mounts: [{ container_path: '/data', host_path: '/h', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
        },
        info: { info: '{"pid":1}' },
      }),
      PodSandboxStatus: (_call, cb) => cb({ code: grpc.status.NOT_FOUND, details: 'an error occurred when try to find sandbox "x": not found' }),
      StopContainer: record('StopContainer', {}),
      ExecSync: (call, cb) => {
        const delayMs = call.request['cmd'] && (call.request['cmd'] as string[])[0] === 'slow' ? 2000 : 0;
        setTimeout(() => cb(null, { stdout: Buffer.from('out'), stderr: Buffer.from('err'), exit_code: 7 }), delayMs);
      },
    };
    const images: Record<string, Handler> = {
      ImageStatus: record('ImageStatus', {}),
    };
    server = new grpc.Server();
    server.addService(def['runtime.v1.RuntimeService'] as grpc.ServiceDefinition, runtime as grpc.UntypedServiceImplementation);
    server.addService(def['runtime.v1.ImageService'] as grpc.ServiceDefinition, images as grpc.UntypedServiceImplementation);
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${dir}/cri.sock`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    rt = new RemoteRuntime({ endpoint: `unix://${dir}/cri.sock`, defaultTimeoutMs: 5000 });
  });

  after(async () => {
    rt.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends the CRI API version and maps the reply to camelCase', async () => {
    assert.deepEqual(await rt.version(), { version: '0.1.0', runtimeName: 'grpc-test', runtimeVersion: '9.9', runtimeApiVersion: 'v1' });
    assert.equal(seen.get('Version')?.['version'], 'v1');
  });

  it('puts CreateContainer on the wire in snake_case, envs as bytes, enums by name', async () => {
    const id = await rt.createContainer(
      'sb1',
      {
        metadata: { name: 'web', attempt: 3 },
        image: { image: 'localhost/busybox:1.35' },
        command: ['sh', '-c'],
        args: ['echo hi'],
        workingDir: '/w',
        envs: [{ key: 'GREETING', value: 'grüße ✓' }],
        mounts: [{ containerPath: '/data', hostPath: '/h', readonly: true, propagation: 'PROPAGATION_BIDIRECTIONAL' }],
        labels: { l: '1' },
        annotations: { a: '2' },
        logPath: 'web/3.log',
        linux: {
          resources: { cpuQuota: 50000, cpuPeriod: 100000, memoryLimitInBytes: 64 * 1024 * 1024 },
          securityContext: { namespaceOptions: { pid: 'CONTAINER' }, runAsUser: 1000 },
        },
      },
      { metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 }, logDirectory: '/logs', portMappings: [{ containerPort: 80, hostPort: 8080 }] },
    );
    assert.equal(id, 'c1');
    const req = seen.get('CreateContainer');
    const cfg = (...keys: (string | number)[]) => at(req, 'config', ...keys);
    assert.equal(at(req, 'pod_sandbox_id'), 'sb1');
    assert.deepEqual(cfg('metadata'), { name: 'web', attempt: 3 });
    assert.deepEqual([cfg('command'), cfg('args'), cfg('working_dir'), cfg('log_path')], [['sh', '-c'], ['echo hi'], '/w', 'web/3.log']);
    const env = cfg('envs', 0, 'value');
    assert.ok(Buffer.isBuffer(env), 'KeyValue.value travels as bytes');
    assert.equal(env.toString('utf8'), 'grüße ✓');
    assert.deepEqual(cfg('mounts', 0), { container_path: '/data', host_path: '/h', readonly: true, selinux_relabel: false, propagation: 'PROPAGATION_BIDIRECTIONAL' });
    assert.equal(cfg('linux', 'resources', 'cpu_quota'), '50000');
    assert.equal(cfg('linux', 'resources', 'memory_limit_in_bytes'), String(64 * 1024 * 1024));
    assert.equal(cfg('linux', 'security_context', 'namespace_options', 'pid'), 'CONTAINER');
    assert.equal(cfg('linux', 'security_context', 'namespace_options', 'network'), 'POD');
    assert.equal(cfg('linux', 'security_context', 'run_as_user', 'value'), '1000');
    assert.deepEqual(at(req, 'sandbox_config', 'port_mappings'), [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' }]);
    assert.equal(at(req, 'sandbox_config', 'log_directory'), '/logs');
  });

  it('reads int64 timestamps as exact bigint and statuses with their enums', async () => {
    const { status, info } = await rt.containerStatus('c1', { verbose: true });
    assert.equal(status.createdAt, 1795786081580364320n);
    assert.equal(status.finishedAt - status.startedAt, 11604245n);
    assert.deepEqual([status.state, status.exitCode, status.reason], ['CONTAINER_EXITED', 137, 'OOMKilled']);
    assert.deepEqual(status.mounts, [{ containerPath: '/data', hostPath: '/h', readonly: true, selinuxRelabel: false, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }]);
    assert.deepEqual(info, { info: '{"pid":1}' });
    assert.equal(seen.get('ContainerStatus')?.['verbose'], true);
  });

  it('sends filters with the state wrapper and label selector', async () => {
    const list = await rt.listPodSandbox({ state: 'SANDBOX_READY', labelSelector: { app: 'x' } });
    const filter = seen.get('ListPodSandbox')?.['filter'] as Record<string, unknown>;
    assert.deepEqual(filter['state'], { state: 'SANDBOX_READY' });
    assert.deepEqual(filter['label_selector'], { app: 'x' });
    assert.deepEqual(list, [
      { id: 's1', metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 2 }, state: 'SANDBOX_NOTREADY', createdAt: 1795786081412850070n, labels: { a: 'b' }, annotations: {}, runtimeHandler: '' },
    ]);
  });

  it('maps gRPC status codes to CriError', async () => {
    await assert.rejects(rt.podSandboxStatus('x'), (err) => {
      assert.ok(err instanceof CriError);
      assert.equal(err.code, 'NOT_FOUND');
      assert.equal(err.grpcCode, 5);
      assert.equal(err.method, 'PodSandboxStatus');
      assert.match(err.message, /not found/);
      return isNotFound(err);
    });
    // Not implemented by this server.
    await assert.rejects(rt.attach({ containerId: 'c1', stdout: true }), (err) => err instanceof CriError && err.code === 'UNIMPLEMENTED');
  });

  it('extends the deadline of StopContainer and ExecSync by their own timeouts', async () => {
    await rt.stopContainer('c1', 30, { timeoutMs: 100 });
    assert.equal(seen.get('StopContainer')?.['timeout'], '30');
    const r = await rt.execSync('c1', ['slow'], { timeoutMs: 100, timeoutSeconds: 3 });
    assert.deepEqual([r.stdout.toString(), r.stderr.toString(), r.exitCode], ['out', 'err', 7]);
  });

  it('fails with DEADLINE_EXCEEDED past timeoutMs, and with the abort reason on abort', async () => {
    await assert.rejects(rt.execSync('c1', ['slow'], { timeoutMs: 200 }), (err) => err instanceof CriError && err.code === 'DEADLINE_EXCEEDED');
    const ac = new AbortController();
    const reason = new Error('stop now');
    const p = rt.execSync('c1', ['slow'], { signal: ac.signal });
    setTimeout(() => ac.abort(reason), 50);
    await assert.rejects(p, (err) => err === reason);
    await assert.rejects(rt.version({ signal: AbortSignal.abort(reason) }), (err) => err === reason);
  });

  it('returns a null image for ImageStatus of an absent image', async () => {
    const st = await rt.imageStatus({ image: 'nope:1' });
    assert.equal(st.image, null);
    assert.deepEqual((seen.get('ImageStatus')?.['image'] as Record<string, unknown>)['image'], 'nope:1');
  });

  it('fails with UNAVAILABLE when nothing listens on the socket', async () => {
    const lonely = new RemoteRuntime({ endpoint: path.join(dir, 'missing.sock'), defaultTimeoutMs: 2000 });
    try {
      await assert.rejects(lonely.version(), (err) => err instanceof CriError && err.code === 'UNAVAILABLE');
    } finally {
      lonely.close();
    }
  });
});

describe('RemoteRuntime helpers', () => {
  it('finds api.proto next to the sources', () => {
    const p = findApiProto();
    assert.ok(p.endsWith(path.join('node-agent', 'cri', 'api.proto')), p);
    assert.match(fs.readFileSync(p, 'utf8'), /package runtime\.v1;/);
  });

  it('normalizes endpoints to grpc unix targets', () => {
    assert.equal(toGrpcTarget('unix:///run/containerd/containerd.sock'), 'unix:///run/containerd/containerd.sock');
    assert.equal(toGrpcTarget('/run/containerd/containerd.sock'), 'unix:///run/containerd/containerd.sock');
    assert.throws(() => toGrpcTarget('localhost:1234'), /unix/);
  });
});
