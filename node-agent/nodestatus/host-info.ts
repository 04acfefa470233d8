/**
 * Facts about the host the agent runs on (kubelet cadvisor MachineInfo + nodestatus VersionInfo): CPU and
 * memory capacity, OS image, kernel, machine/boot ids and the node IP.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { NodeSystemInfo, ResourceList } from '../../shared/api/core-v1.ts';
import { parseQuantityExact, quantityMilliValue, quantityValue } from '../../shared/api/quantity.ts';

export const KUBELET_VERSION = 'v1.32.0-kubelab';
export const DEFAULT_MAX_PODS = 110;

function readTrim(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** PRETTY_NAME from /etc/os-release ("Debian GNU/Linux 12 (bookworm)"). */
export function osImage(path = '/etc/os-release'): string {
  const text = readTrim(path);
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  if (!m?.[1]) return os.type();
  return m[1].replace(/^"(.*)"$/, '$1');
}

/** Node's GOARCH spelling of process.arch. */
export function goArch(arch: string = process.arch): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'arm':
      return 'arm';
    case 'arm64':
      return 'arm64';
    default:
      return arch;
  }
}

/** The first non-loopback, non-internal IPv4 address of the host ('' if none). */
export function firstNonLoopbackIPv4(): string {
  const ifaces = os.networkInterfaces();
  for (const name of Object.keys(ifaces).sort()) {
    for (const a of ifaces[name] ?? []) {
      if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('127.')) return a.address;
    }
  }
  return '';
}

export function hostNodeInfo(containerRuntimeVersion: string): NodeSystemInfo {
  return {
    machineID: readTrim('/etc/machine-id'),
    systemUUID: readTrim('/sys/class/dmi/id/product_uuid'),
    bootID: readTrim('/proc/sys/kernel/random/boot_id'),
    kernelVersion: os.release(),
    osImage: osImage(),
    containerRuntimeVersion,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: goArch(),
  };
}

export interface CapacityOptions {
  /** Overrides (quantities), e.g. `{ cpu: '4', memory: '8Gi', pods: '30' }`. */
  cpu?: string;
  memory?: string;
  pods?: number | string;
  /** Root dir whose filesystem gives ephemeral-storage. */
  rootDir?: string;
}

/** Memory as kubelet prints it: bytes in Ki. */
function memoryKi(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

export function hostCapacity(options: CapacityOptions = {}): ResourceList {
  const cap: ResourceList = {
    cpu: options.cpu ?? String(os.cpus().length || 1),
    memory: options.memory ?? memoryKi(os.totalmem()),
    pods: String(options.pods ?? DEFAULT_MAX_PODS),
  };
  if (options.rootDir) {
    try {
      const st = fs.statfsSync(options.rootDir);
      cap['ephemeral-storage'] = memoryKi(st.blocks * st.bsize);
    } catch {
      // no such dir yet: leave ephemeral-storage out
    }
  }
  return cap;
}

/**
 * allocatable = capacity - reserved (kubelet: capacity - kube-reserved - system-reserved - hard eviction
 * thresholds). cpu in milli-units, memory in Ki; never below zero.
 */
export function allocatableFrom(capacity: ResourceList, reserved: { cpu?: string; memory?: string } = {}): ResourceList {
  const out: ResourceList = { ...capacity };
  if (reserved.cpu && capacity['cpu'] !== undefined) {
    const m = Math.max(0, quantityMilliValue(parseQuantityExact(capacity['cpu'])) - quantityMilliValue(parseQuantityExact(reserved.cpu)));
    out['cpu'] = m % 1000 === 0 ? String(m / 1000) : `${m}m`;
  }
  if (reserved.memory && capacity['memory'] !== undefined) {
    const b = Math.max(0, quantityValue(parseQuantityExact(capacity['memory'])) - quantityValue(parseQuantityExact(reserved.memory)));
    out['memory'] = memoryKi(b);
  }
  return out;
}
