/**
 * A NodeAgent for unit tests: the fake client, the fake CRI runtime, a temp root dir (removed after the test file),
 * node `n1`, no API port, a silent log and short periods (relist 50 ms, housekeeping 100 ms, crash-loop back-off
 * 200..800 ms, image/back-off period 200 ms). Not started: the test calls start() and stop().
 */
import { after } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { FakeRuntime } from '../cri/fake/fake-runtime.ts';
import { NodeAgent, type NodeAgentOptions } from '../agent.ts';

export interface FakeNodeAgent {
  cs: FakeClientset;
  rt: FakeRuntime;
  rootDir: string;
  agent: NodeAgent;
}

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** `extra` overrides the options; `shared` reuses another agent's client, runtime and root dir (an agent restart). */
export function fakeNodeAgent(extra: Partial<NodeAgentOptions> = {}, shared?: Omit<FakeNodeAgent, 'agent'>): FakeNodeAgent {
  const cs = shared?.cs ?? new FakeClientset();
  const rt = shared?.rt ?? new FakeRuntime({ podCidr: '10.55.0.0/24' });
  const rootDir = shared?.rootDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-agent-test-'));
  if (!shared) roots.push(rootDir);
  const agent = new NodeAgent({
    nodeName: 'n1',
    clientset: cs,
    runtime: rt,
    imageService: rt,
    rootDir,
    port: null,
    nodeIP: '10.0.0.11',
    log: silentLogger(),
    relistPeriodMs: 50,
    housekeepingIntervalMs: 100,
    crashLoopBaseDelayMs: 200,
    crashLoopMaxDelayMs: 800,
    backOffPeriodMs: 200,
    ...extra,
  });
  return { cs, rt, rootDir, agent };
}
