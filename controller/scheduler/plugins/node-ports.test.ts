import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerPort } from '../../../shared/api/core-v1.ts';
import { makeNode, makePod, nodeInfoOf, runFilter } from '../testing/fixtures.ts';
import { NodePorts } from './node-ports.ts';

describe('NodePorts', () => {
  const cases: { name: string; existing: Partial<ContainerPort>[]; wanted: Partial<ContainerPort>[]; fits: boolean }[] = [
    { name: 'no host ports requested', existing: [{ hostPort: 80 }], wanted: [], fits: true },
    { name: 'free port', existing: [{ hostPort: 80 }], wanted: [{ hostPort: 8080 }], fits: true },
    { name: 'same port, same protocol', existing: [{ hostPort: 80 }], wanted: [{ hostPort: 80 }], fits: false },
    { name: 'same port, other protocol', existing: [{ hostPort: 53, protocol: 'UDP' }], wanted: [{ hostPort: 53, protocol: 'TCP' }], fits: true },
    { name: 'specific IP vs wildcard', existing: [{ hostPort: 80, hostIP: '0.0.0.0' }], wanted: [{ hostPort: 80, hostIP: '10.0.0.1' }], fits: false },
    { name: 'two different IPs', existing: [{ hostPort: 80, hostIP: '10.0.0.2' }], wanted: [{ hostPort: 80, hostIP: '10.0.0.1' }], fits: true },
    { name: 'containerPort alone is no host port', existing: [{ containerPort: 80 }], wanted: [{ containerPort: 80 }], fits: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const existing = makePod('old', { hostPorts: c.existing.map((p) => ({ containerPort: p.containerPort ?? p.hostPort ?? 0, ...p })) });
      const pod = makePod('new', { hostPorts: c.wanted.map((p) => ({ containerPort: p.containerPort ?? p.hostPort ?? 0, ...p })) });
      const s = runFilter(new NodePorts(), pod, nodeInfoOf(makeNode('n'), [existing]));
      if (c.fits) assert.equal(s.code, 'Success');
      else assert.deepEqual({ code: s.code, reasons: s.reasons }, { code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"] });
    });
  }
});
