/**
 * The CRI conformance suite every runtime behind `../services.ts` must pass: the in-memory fake (unit tier)
 * and containerd through RemoteRuntime (integration tier) run the very same tests.
 *
 *   runCriConformance({ name: 'fake', newRuntime: () => new FakeRuntime(), images: { busybox: '...' } });
 *
 * Containers run busybox commands (`sh -c 'echo x; exit 3'`, `sleep 3600`, `readlink /proc/self/ns/net`);
 * the fake understands exactly these through its tiny shell. Each test makes its own sandbox (unique uid)
 * and removes it at the end, so tests are independent and leave nothing behind. State changes that are
 * asynchronous on a real runtime are awaited by polling with a deadline (`waitForState`), never by sleeping.
 *
 * A runtime that cannot do something declares it: `skip: [{ reason: 'no ExecSync', tests: [TEST_NAMES.exec] }]`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  isCriError,
  isNotFound,
  type ContainerConfig,
  type ContainerState,
  type ContainerStatus,
  type ImageService,
  type PodSandboxConfig,
  type RuntimeService,
} from '../services.ts';

export type CriRuntime = RuntimeService & ImageService & { close?(): void | Promise<void> };

export interface CriConformanceOptions {
  /** Shown in the suite name. */
  name: string;
  /** Called once before the tests; `close()` (if any) is called after them. */
  newRuntime: () => CriRuntime | Promise<CriRuntime>;
  /** Image refs present in the runtime. `busybox` must have busybox's applets and /bin/sh. */
  images: { busybox: string };
  /** Tests the runtime does not pass yet, each group with a reason. */
  skip?: { reason: string; tests: string[] }[];
  /** Where pod log directories go; default a temp dir removed afterwards. */
  workDir?: string;
  /** cgroup parent prefix for sandboxes (`${cgroupParent}/pod<uid>`); default none (runtime default). */
  cgroupParent?: string;
  /** How long to wait for asynchronous state changes. Default 20 s. */
  timeoutMs?: number;
}

export const TEST_NAMES = {
  version: 'Version reports the runtime and CRI API v1',
  status: 'Status reports RuntimeReady and NetworkReady',
  images: 'ListImages and ImageStatus find the test image; a missing image has a null status',
  runSandbox: 'RunPodSandbox gives a READY sandbox with an IP, its metadata, labels and annotations',
  hostNetwork: 'a host-network sandbox has no pod IP',
  startContainer: 'CreateContainer then StartContainer: CREATED, then RUNNING with started_at',
  sharedNetns: 'containers of a sandbox share its network namespace; another sandbox has its own',
  exitReason: 'a container that exits 0 has reason Completed; a non-zero exit has reason Error and its code',
  envs: 'environment variables reach the container process',
  listFilters: 'ListContainers and ListPodSandbox filter by id, state, sandbox and labels',
  stopRemoveContainer: 'StopContainer ends a running container; RemoveContainer deletes it; both are idempotent',
  nameAttempt: 'the same name+attempt is refused in a sandbox while the container exists; attempt+1 works',
  noRestart: 'an exited container cannot be started again',
  stopSandbox: 'StopPodSandbox stops all its containers and the sandbox becomes NOTREADY; RemovePodSandbox deletes them',
  removeReadySandbox: 'RemovePodSandbox of a READY sandbox removes it and its running containers',
  execSync: 'ExecSync returns exit code, stdout and stderr',
  missingImage: 'CreateContainer with a missing image fails with NOT_FOUND',
  unknownIds: 'status of an unknown sandbox or container fails with NOT_FOUND',
  logs: 'container output goes to log_directory/log_path in the CRI log format',
  annotationsRoundTrip: 'container labels and annotations come back unchanged in list and status',
} as const;

/** Polls `containerStatus` until `pred` holds or the deadline passes. */
export async function waitForContainer(
  rt: RuntimeService,
  id: string,
  pred: (s: ContainerStatus) => boolean,
  timeoutMs = 20_000,
): Promise<ContainerStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ContainerStatus | undefined;
  for (;;) {
    last = (await rt.containerStatus(id)).status;
    if (pred(last)) return last;
    if (Date.now() > deadline) {
      assert.fail(`container ${id} did not reach the expected status in ${timeoutMs} ms; last: ${last.state} exit=${last.exitCode} reason=${last.reason}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitForState(rt: RuntimeService, id: string, state: ContainerState, timeoutMs = 20_000): Promise<ContainerStatus> {
  return waitForContainer(rt, id, (s) => s.state === state, timeoutMs);
}

/** Parses a CRI log file into { stream, tag, text } records; throws on a line that is not CRI format. */
export function parseCriLog(content: string): { time: string; stream: 'stdout' | 'stderr'; tag: string; text: string }[] {
  const out: { time: string; stream: 'stdout' | 'stderr'; tag: string; text: string }[] = [];
  for (const line of content.split('\n')) {
    if (line === '') continue;
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr) ([FP]) (.*)$/.exec(line);
    if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
    out.push({ time: m[1] ?? '', stream: m[2] as 'stdout' | 'stderr', tag: m[3] ?? '', text: m[4] ?? '' });
  }
  return out;
}

/**
 * Defines the suite with node:test. Call at the top level of a test file (or inside a describe).
 */
export function runCriConformance(options: CriConformanceOptions): void {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const busybox = options.images.busybox;
  const skipped = new Map<string, string>();
  for (const group of options.skip ?? []) for (const t of group.tests) skipped.set(t, group.reason);

  describe(`CRI conformance: ${options.name}`, () => {
    let rt: CriRuntime;
    let workDir = '';
    let ownWorkDir = false;
    const created = new Set<string>();

    before(async () => {
      rt = await options.newRuntime();
      if (options.workDir) workDir = options.workDir;
      else {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cri-conformance-'));
        ownWorkDir = true;
      }
    });

    after(async () => {
      for (const id of created) {
        try {
          await rt.stopPodSandbox(id);
          await rt.removePodSandbox(id);
        } catch {
          // best effort; the test that created it reports its own failure
        }
      }
      await rt.close?.();
      if (ownWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    const test = (name: string, fn: () => Promise<void>) => {
      const reason = skipped.get(name);
      if (reason !== undefined) it(name, { skip: reason }, fn);
      else it(name, { timeout: timeoutMs * 3 }, fn);
    };

    /** A sandbox config with a fresh uid, its log dir created (the agent's job). */
    const sandboxConfig = (name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig => {
      const uid = randomUUID();
      const logDirectory = path.join(workDir, 'pods', `conformance_${name}_${uid}`);
      fs.mkdirSync(logDirectory, { recursive: true });
      return {
        metadata: { name, uid, namespace: 'conformance', attempt: 0 },
        hostname: name,
        logDirectory,
        labels: { 'kubelab.test/suite': 'cri-conformance' },
        linux: {
          ...(options.cgroupParent ? { cgroupParent: `${options.cgroupParent}/pod${uid}` } : {}),
          securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
        },
        ...extra,
      };
    };

    const runSandbox = async (name: string, extra: Partial<PodSandboxConfig> = {}) => {
      const config = sandboxConfig(name, extra);
      const id = await rt.runPodSandbox(config);
      created.add(id);
      return { id, config };
    };

    const removeSandbox = async (id: string) => {
      await rt.stopPodSandbox(id);
      await rt.removePodSandbox(id);
      created.delete(id);
    };

    const containerConfig = (name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
      metadata: { name, attempt: 0 },
      image: { image: busybox },
      command,
      logPath: `${name}/0.log`,
      linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
      ...extra,
    });

    const startContainer = async (sandbox: { id: string; config: PodSandboxConfig }, name: string, command: string[], extra: Partial<ContainerConfig> = {}) => {
      const id = await rt.createContainer(sandbox.id, containerConfig(name, command, extra), sandbox.config);
      await rt.startContainer(id);
      return id;
    };

    const SLEEP = ['sleep', '3600'];

    test(TEST_NAMES.version, async () => {
      const v = await rt.version();
      assert.equal(v.runtimeApiVersion, 'v1');
      assert.ok(v.runtimeName.length > 0, 'runtimeName is set');
      assert.ok(v.runtimeVersion.length > 0, 'runtimeVersion is set');
    });

    test(TEST_NAMES.status, async () => {
      const st = await rt.status();
      const cond = (t: string) => st.conditions.find((c) => c.type === t);
      assert.equal(cond('RuntimeReady')?.status, true);
      assert.equal(cond('NetworkReady')?.status, true);
    });

    test(TEST_NAMES.images, async () => {
      const images = await rt.listImages();
      const img = images.find((i) => i.repoTags.includes(busybox));
      assert.ok(img, `ListImages includes ${busybox}; got ${JSON.stringify(images.map((i) => i.repoTags))}`);
      assert.ok(img.id.length > 0);
      const st = await rt.imageStatus({ image: busybox });
      assert.equal(st.image?.id, img.id);
      assert.ok(st.image.repoTags.includes(busybox));
      const missing = await rt.imageStatus({ image: 'localhost/does-not-exist:0.0' });
      assert.equal(missing.image, null);
    });

    test(TEST_NAMES.runSandbox, async () => {
      const sb = await runSandbox('run-sandbox', { annotations: { 'kubelab.test/note': 'hello' } });
      const { status } = await rt.podSandboxStatus(sb.id);
      assert.equal(status.id, sb.id);
      assert.equal(status.state, 'SANDBOX_READY');
      assert.deepEqual(status.metadata, sb.config.metadata);
      assert.match(status.network.ip, /^\d+\.\d+\.\d+\.\d+$/, 'the sandbox has an IPv4 address');
      assert.ok(status.createdAt > 0n);
      assert.equal(status.labels['kubelab.test/suite'], 'cri-conformance');
      assert.equal(status.annotations['kubelab.test/note'], 'hello');
      assert.equal(status.namespaceOptions.pid, 'CONTAINER');
      const other = await runSandbox('run-sandbox-2');
      const { status: s2 } = await rt.podSandboxStatus(other.id);
      assert.notEqual(s2.network.ip, status.network.ip, 'two sandboxes get different IPs');
      await removeSandbox(sb.id);
      await removeSandbox(other.id);
    });

    test(TEST_NAMES.hostNetwork, async () => {
      const sb = await runSandbox('host-net', {
        hostname: '',
        linux: {
          ...(options.cgroupParent ? { cgroupParent: `${options.cgroupParent}/pod${randomUUID()}` } : {}),
          securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } },
        },
      });
      const { status } = await rt.podSandboxStatus(sb.id);
      assert.equal(status.state, 'SANDBOX_READY');
      assert.equal(status.network.ip, '');
      assert.equal(status.namespaceOptions.network, 'NODE');
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.startContainer, async () => {
      const sb = await runSandbox('start');
      const id = await rt.createContainer(sb.id, containerConfig('sleeper', SLEEP), sb.config);
      const created1 = (await rt.containerStatus(id)).status;
      assert.equal(created1.state, 'CONTAINER_CREATED');
      assert.equal(created1.startedAt, 0n);
      assert.deepEqual(created1.metadata, { name: 'sleeper', attempt: 0 });
      await rt.startContainer(id);
      const running = (await rt.containerStatus(id)).status;
      assert.equal(running.state, 'CONTAINER_RUNNING');
      assert.ok(running.startedAt >= running.createdAt && running.startedAt > 0n);
      assert.equal(running.finishedAt, 0n);
      assert.equal(running.image.image, busybox);
      assert.ok(running.imageRef.length > 0);
      const listed = await rt.listContainers({ podSandboxId: sb.id });
      assert.deepEqual(listed.map((c) => [c.id, c.state, c.podSandboxId]), [[id, 'CONTAINER_RUNNING', sb.id]]);
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.sharedNetns, async () => {
      const sb = await runSandbox('netns');
      const a = await startContainer(sb, 'a', SLEEP);
      const b = await startContainer(sb, 'b', SLEEP);
      const other = await runSandbox('netns-other');
      const c = await startContainer(other, 'c', SLEEP);
      const netns = async (id: string) => {
        const r = await rt.execSync(id, ['readlink', '/proc/self/ns/net'], { timeoutSeconds: 10 });
        assert.equal(r.exitCode, 0, r.stderr.toString());
        return r.stdout.toString().trim();
      };
      const [na, nb, nc] = [await netns(a), await netns(b), await netns(c)];
      assert.match(na, /^net:\[\d+\]$/);
      assert.equal(na, nb, 'containers in one sandbox share the netns');
      assert.notEqual(na, nc, 'another sandbox has another netns');
      await removeSandbox(sb.id);
      await removeSandbox(other.id);
    });

    test(TEST_NAMES.exitReason, async () => {
      const sb = await runSandbox('exit');
      const ok = await startContainer(sb, 'ok', ['sh', '-c', 'exit 0']);
      const bad = await startContainer(sb, 'bad', ['sh', '-c', 'echo bye; exit 3']);
      const sOk = await waitForState(rt, ok, 'CONTAINER_EXITED', timeoutMs);
      const sBad = await waitForState(rt, bad, 'CONTAINER_EXITED', timeoutMs);
      assert.equal(sOk.exitCode, 0);
      assert.equal(sOk.reason, 'Completed');
      assert.equal(sBad.exitCode, 3);
      assert.equal(sBad.reason, 'Error');
      // Not finishedAt >= startedAt: containerd stamps started_at when Start returns but finished_at with the
      // shim's exit time, so a container that exits at once can show finished_at < started_at.
      assert.ok(sBad.finishedAt > sBad.createdAt && sBad.startedAt > sBad.createdAt);
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.envs, async () => {
      const sb = await runSandbox('envs');
      const id = await startContainer(sb, 'env', SLEEP, {
        envs: [
          { key: 'GREETING', value: 'hello world' },
          { key: 'UNICODE', value: 'grüße ✓' },
          { key: 'EMPTY', value: '' },
        ],
      });
      const r = await rt.execSync(id, ['sh', '-c', 'echo "$GREETING|$UNICODE|$EMPTY|"'], { timeoutSeconds: 10 });
      assert.equal(r.exitCode, 0, r.stderr.toString());
      assert.equal(r.stdout.toString(), 'hello world|grüße ✓||\n');
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.listFilters, async () => {
      const sb1 = await runSandbox('filters-1', { labels: { 'kubelab.test/suite': 'cri-conformance', app: 'one' } });
      const sb2 = await runSandbox('filters-2', { labels: { 'kubelab.test/suite': 'cri-conformance', app: 'two' } });
      const web = await startContainer(sb1, 'web', SLEEP, { labels: { role: 'web', tier: 'front' } });
      const job = await startContainer(sb1, 'job', ['sh', '-c', 'exit 0'], { labels: { role: 'job' } });
      const side = await startContainer(sb2, 'side', SLEEP, { labels: { role: 'web', tier: 'back' } });
      await waitForState(rt, job, 'CONTAINER_EXITED', timeoutMs);

      const ids = (list: { id: string }[]) => list.map((c) => c.id).sort();
      assert.deepEqual(ids(await rt.listContainers({ labelSelector: { role: 'web' } })), [web, side].sort());
      assert.deepEqual(ids(await rt.listContainers({ labelSelector: { role: 'web', tier: 'front' } })), [web]);
      assert.deepEqual(ids(await rt.listContainers({ podSandboxId: sb1.id })), [web, job].sort());
      assert.deepEqual(ids(await rt.listContainers({ podSandboxId: sb1.id, state: 'CONTAINER_EXITED' })), [job]);
      assert.deepEqual(ids(await rt.listContainers({ id: side })), [side]);
      assert.deepEqual(ids(await rt.listContainers({ labelSelector: { role: 'nope' } })), []);

      assert.deepEqual(ids(await rt.listPodSandbox({ labelSelector: { app: 'two' } })), [sb2.id]);
      assert.deepEqual(ids(await rt.listPodSandbox({ id: sb1.id })), [sb1.id]);
      await rt.stopPodSandbox(sb2.id);
      const ready = ids(await rt.listPodSandbox({ state: 'SANDBOX_READY', labelSelector: { 'kubelab.test/suite': 'cri-conformance' } }));
      assert.ok(ready.includes(sb1.id) && !ready.includes(sb2.id), 'state filter');
      const notReady = ids(await rt.listPodSandbox({ state: 'SANDBOX_NOTREADY', labelSelector: { app: 'two' } }));
      assert.deepEqual(notReady, [sb2.id]);
      await removeSandbox(sb1.id);
      await removeSandbox(sb2.id);
    });

    test(TEST_NAMES.stopRemoveContainer, async () => {
      const sb = await runSandbox('stop-remove');
      const id = await startContainer(sb, 'sleeper', SLEEP);
      await rt.stopContainer(id, 0);
      const st = await waitForState(rt, id, 'CONTAINER_EXITED', timeoutMs);
      assert.ok(st.finishedAt > 0n);
      assert.notEqual(st.exitCode, 0, 'a killed container has a non-zero exit code');
      await rt.stopContainer(id, 0); // idempotent
      await rt.removeContainer(id);
      await assert.rejects(rt.containerStatus(id), (err) => isNotFound(err));
      assert.deepEqual(await rt.listContainers({ id }), []);
      await rt.removeContainer(id); // idempotent
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.nameAttempt, async () => {
      const sb = await runSandbox('attempts');
      const first = await startContainer(sb, 'app', ['sh', '-c', 'exit 1']);
      await waitForState(rt, first, 'CONTAINER_EXITED', timeoutMs);
      await assert.rejects(rt.createContainer(sb.id, containerConfig('app', SLEEP), sb.config), (err) => {
        assert.ok(isCriError(err), `a CriError, got ${String(err)}`);
        assert.match(err.message, /reserve|already|exists/i);
        return true;
      });
      const second = await rt.createContainer(sb.id, { ...containerConfig('app', SLEEP), metadata: { name: 'app', attempt: 1 }, logPath: 'app/1.log' }, sb.config);
      assert.notEqual(second, first);
      assert.deepEqual((await rt.containerStatus(second)).status.metadata, { name: 'app', attempt: 1 });
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.noRestart, async () => {
      const sb = await runSandbox('no-restart');
      const id = await startContainer(sb, 'once', ['sh', '-c', 'exit 0']);
      await waitForState(rt, id, 'CONTAINER_EXITED', timeoutMs);
      await assert.rejects(rt.startContainer(id), (err) => isCriError(err));
      assert.equal((await rt.containerStatus(id)).status.state, 'CONTAINER_EXITED');
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.stopSandbox, async () => {
      const sb = await runSandbox('stop-sandbox');
      const a = await startContainer(sb, 'a', SLEEP);
      const b = await startContainer(sb, 'b', SLEEP);
      await rt.stopPodSandbox(sb.id);
      assert.equal((await rt.podSandboxStatus(sb.id)).status.state, 'SANDBOX_NOTREADY');
      for (const id of [a, b]) {
        const st = (await rt.containerStatus(id)).status;
        assert.equal(st.state, 'CONTAINER_EXITED', `container ${id} stopped with its sandbox`);
      }
      await rt.stopPodSandbox(sb.id); // idempotent
      await rt.removePodSandbox(sb.id);
      created.delete(sb.id);
      await assert.rejects(rt.podSandboxStatus(sb.id), (err) => isNotFound(err));
      await assert.rejects(rt.containerStatus(a), (err) => isNotFound(err));
      assert.deepEqual(await rt.listContainers({ podSandboxId: sb.id }), []);
      await rt.removePodSandbox(sb.id); // idempotent
    });

    test(TEST_NAMES.removeReadySandbox, async () => {
      const sb = await runSandbox('remove-ready');
      const a = await startContainer(sb, 'a', SLEEP);
      await rt.removePodSandbox(sb.id);
      created.delete(sb.id);
      await assert.rejects(rt.podSandboxStatus(sb.id), (err) => isNotFound(err));
      await assert.rejects(rt.containerStatus(a), (err) => isNotFound(err));
    });

    test(TEST_NAMES.execSync, async () => {
      const sb = await runSandbox('exec');
      const id = await startContainer(sb, 'target', SLEEP);
      const r = await rt.execSync(id, ['sh', '-c', 'echo out-text; echo err-text >&2; exit 7'], { timeoutSeconds: 10 });
      assert.equal(r.exitCode, 7);
      assert.equal(r.stdout.toString(), 'out-text\n');
      assert.equal(r.stderr.toString(), 'err-text\n');
      const ok = await rt.execSync(id, ['true'], { timeoutSeconds: 10 });
      assert.equal(ok.exitCode, 0);
      assert.equal(ok.stdout.length, 0);
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.missingImage, async () => {
      const sb = await runSandbox('missing-image');
      await assert.rejects(
        rt.createContainer(sb.id, { ...containerConfig('x', SLEEP), image: { image: 'localhost/does-not-exist:0.0' } }, sb.config),
        (err) => {
          assert.ok(isNotFound(err), `NOT_FOUND, got ${String(err)}`);
          return true;
        },
      );
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.unknownIds, async () => {
      const bogus = 'f'.repeat(64);
      await assert.rejects(rt.podSandboxStatus(bogus), (err) => isNotFound(err));
      await assert.rejects(rt.containerStatus(bogus), (err) => isNotFound(err));
    });

    test(TEST_NAMES.logs, async () => {
      const sb = await runSandbox('logs');
      const id = await startContainer(sb, 'talker', ['sh', '-c', 'echo first line; echo to-stderr >&2; echo last line']);
      const st = await waitForState(rt, id, 'CONTAINER_EXITED', timeoutMs);
      const expected = path.join(sb.config.logDirectory ?? '', 'talker/0.log');
      assert.equal(st.logPath, expected);
      // The runtime may flush the log a moment after the exit is recorded.
      let records: ReturnType<typeof parseCriLog> = [];
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        records = fs.existsSync(expected) ? parseCriLog(fs.readFileSync(expected, 'utf8')) : [];
        if (records.length >= 3) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const stdout = records.filter((r) => r.stream === 'stdout').map((r) => `${r.tag} ${r.text}`);
      const stderr = records.filter((r) => r.stream === 'stderr').map((r) => `${r.tag} ${r.text}`);
      assert.deepEqual(stdout, ['F first line', 'F last line']);
      assert.deepEqual(stderr, ['F to-stderr']);
      await removeSandbox(sb.id);
    });

    test(TEST_NAMES.annotationsRoundTrip, async () => {
      const sb = await runSandbox('annotations');
      const labels = { 'io.kubernetes.container.name': 'web', 'x/y': 'z' };
      const annotations = { 'io.kubernetes.container.hash': 'abc123', 'io.kubernetes.container.restartCount': '0', note: 'a b=c' };
      const id = await startContainer(sb, 'web', SLEEP, { labels, annotations });
      const [listed] = await rt.listContainers({ id });
      assert.deepEqual(listed?.labels, labels);
      assert.deepEqual(listed?.annotations, annotations);
      const { status } = await rt.containerStatus(id);
      assert.deepEqual(status.labels, labels);
      assert.deepEqual(status.annotations, annotations);
      await removeSandbox(sb.id);
    });
  });
}
