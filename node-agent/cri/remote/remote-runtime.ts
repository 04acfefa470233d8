/**
 * RemoteRuntime: `RuntimeService` + `ImageService` over gRPC to a CRI v1 endpoint (containerd's socket),
 * with @grpc/grpc-js and @grpc/proto-loader, using kubelab's own proto subset `../api.proto`.
 *
 * - Endpoint: `unix:///run/containerd/containerd.sock` (a bare absolute path is accepted too).
 * - Every call has a deadline: `opts.timeoutMs`, else `defaultTimeoutMs` (2 min, kubelet's
 *   runtime-request-timeout). StopContainer and ExecSync add their own timeout to it.
 * - `opts.signal` cancels the call; the promise rejects with `signal.reason`.
 * - gRPC failures become `CriError` with the status code in wire spelling (`'NOT_FOUND'`, ...).
 *
 * Finding api.proto: the file lives in the source tree (node-agent/cri/api.proto). When this module runs
 * from source, it is `../api.proto`. When it runs from `dist/` (after `tsc`, which does not copy .proto
 * files), `../api.proto` is looked for first (present if the build copies it), then every parent directory
 * is searched for `node-agent/cri/api.proto`, which finds the source copy at the repo root. `protoPath`
 * overrides both.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  CRI_ERROR_CODES,
  CriError,
  type AttachRequest,
  type CallOptions,
  type Container,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerStats,
  type ContainerStatusResponse,
  type ExecRequest,
  type PortForwardRequest,
  type ExecSyncOptions,
  type ExecSyncResponse,
  type Image,
  type ImageService,
  type ImageSpec,
  type ImageStatusResponse,
  type LinuxContainerResources,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatusResponse,
  type PullImageOptions,
  type RunPodSandboxOptions,
  type RuntimeService,
  type StatusResponse,
  type StreamingResponse,
  type VerboseOptions,
  type VersionResponse,
} from '../services.ts';
import {
  buf,
  fromConditions,
  fromContainer,
  fromContainerStats,
  fromContainerStatus,
  fromImage,
  fromSandbox,
  fromSandboxStatus,
  infoMap,
  obj,
  rawInt,
  rawList,
  rawStr,
  toContainerConfig,
  toContainerFilter,
  toImageSpec,
  toResources,
  toSandboxConfig,
  toSandboxFilter,
  type Raw,
} from './_wire.ts';

/** The CRI API version this client speaks (VersionRequest.version). */
export const CRI_API_VERSION = 'v1';

export interface RemoteRuntimeOptions {
  /** `unix:///path/to/containerd.sock` or `/path/to/containerd.sock`. */
  endpoint: string;
  /** Deadline of a call without `timeoutMs`. Default 120000 (kubelet's --runtime-request-timeout=2m). */
  defaultTimeoutMs?: number;
  /** Path of api.proto; default: found next to the sources (see the module comment). */
  protoPath?: string;
  /** Extra grpc-js channel options. Default max receive size is 16 MiB (kubelet uses 16 MiB too). */
  channelOptions?: grpc.ChannelOptions;
}

type Method = protoLoader.MethodDefinition<object, object, object, object>;

const RUNTIME_SERVICE = 'runtime.v1.RuntimeService';
const IMAGE_SERVICE = 'runtime.v1.ImageService';

const definitions = new Map<string, protoLoader.PackageDefinition>();

/** Where api.proto is: `../api.proto`, else `node-agent/cri/api.proto` under the nearest parent that has it. */
export function findApiProto(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = resolve(here, '../api.proto');
  if (existsSync(sibling)) return sibling;
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node-agent', 'cri', 'api.proto');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`Cannot find api.proto as neither ${sibling} nor any parent's node-agent/cri/api.proto exists`);
}

function loadDefinition(protoPath: string): protoLoader.PackageDefinition {
  let def = definitions.get(protoPath);
  if (!def) {
    def = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    definitions.set(protoPath, def);
  }
  return def;
}

function methodOf(def: protoLoader.PackageDefinition, service: string, name: string): Method {
  const svc = def[service] as Record<string, Method> | undefined;
  const m = svc?.[name];
  if (!m) throw new Error(`Cannot find ${service}.${name} in api.proto`);
  return m;
}

/** Normalizes an endpoint to a grpc-js target: `unix:///abs/path`. */
export function toGrpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint;
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  throw new Error(`Cannot use CRI endpoint as it is neither unix:///path nor an absolute path: ${endpoint}`);
}

function toCriError(err: grpc.ServiceError, method: string): CriError {
  const code = CRI_ERROR_CODES[err.code] ?? 'UNKNOWN';
  return new CriError(code, err.details || err.message, { method, cause: err });
}

export class RemoteRuntime implements RuntimeService, ImageService {
  readonly endpoint: string;
  #client: grpc.Client;
  #def: protoLoader.PackageDefinition;
  #defaultTimeoutMs: number;

  constructor(options: RemoteRuntimeOptions) {
    this.endpoint = options.endpoint;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;
    this.#def = loadDefinition(options.protoPath ?? findApiProto());
    this.#client = new grpc.Client(toGrpcTarget(options.endpoint), grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      ...options.channelOptions,
    });
  }

  /** Closes the channel; calls in flight fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    this.#client.close();
  }

  #call(service: string, name: string, request: Raw, opts: CallOptions | undefined, extraMs = 0): Promise<Raw> {
    const method = methodOf(this.#def, service, name);
    const signal = opts?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeoutMs = (opts?.timeoutMs ?? this.#defaultTimeoutMs) + extraMs;
    return new Promise<Raw>((resolvePromise, reject) => {
      let onAbort: (() => void) | undefined;
      const call = this.#client.makeUnaryRequest<object, object>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: new Date(Date.now() + timeoutMs) },
        (err, res) => {
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) reject(signal.reason);
          else if (err) reject(toCriError(err, name));
          else resolvePromise(obj(res));
        },
      );
      if (signal) {
        onAbort = () => call.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  #rt(name: string, request: Raw, opts: CallOptions | undefined, extraMs = 0): Promise<Raw> {
    return this.#call(RUNTIME_SERVICE, name, request, opts, extraMs);
  }

  #img(name: string, request: Raw, opts: CallOptions | undefined): Promise<Raw> {
    return this.#call(IMAGE_SERVICE, name, request, opts);
  }

  // ----------------------------------------------------------------------------- RuntimeService

  async version(opts?: CallOptions): Promise<VersionResponse> {
    const r = await this.#rt('Version', { version: CRI_API_VERSION }, opts);
    return {
      version: rawStr(r, 'version'),
      runtimeName: rawStr(r, 'runtime_name'),
      runtimeVersion: rawStr(r, 'runtime_version'),
      runtimeApiVersion: rawStr(r, 'runtime_api_version'),
    };
  }

  async status(opts?: VerboseOptions): Promise<StatusResponse> {
    const r = await this.#rt('Status', { verbose: opts?.verbose ?? false }, opts);
    return { conditions: fromConditions(r['status']), info: infoMap(r) };
  }

  async runPodSandbox(config: PodSandboxConfig, opts?: RunPodSandboxOptions): Promise<string> {
    const r = await this.#rt('RunPodSandbox', { config: toSandboxConfig(config), runtime_handler: opts?.runtimeHandler ?? '' }, opts);
    return rawStr(r, 'pod_sandbox_id');
  }

  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.#rt('StopPodSandbox', { pod_sandbox_id: podSandboxId }, opts);
  }

  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.#rt('RemovePodSandbox', { pod_sandbox_id: podSandboxId }, opts);
  }

  async podSandboxStatus(podSandboxId: string, opts?: VerboseOptions): Promise<PodSandboxStatusResponse> {
    const r = await this.#rt('PodSandboxStatus', { pod_sandbox_id: podSandboxId, verbose: opts?.verbose ?? false }, opts);
    if (r['status'] === null || r['status'] === undefined) {
      throw new CriError('NOT_FOUND', `pod sandbox "${podSandboxId}" has no status`, { method: 'PodSandboxStatus' });
    }
    return { status: fromSandboxStatus(r['status']), info: infoMap(r) };
  }

  async listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]> {
    const r = await this.#rt('ListPodSandbox', { filter: toSandboxFilter(filter) }, opts);
    return rawList(r, 'items').map(fromSandbox);
  }

  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
    opts?: CallOptions,
  ): Promise<string> {
    const r = await this.#rt(
      'CreateContainer',
      { pod_sandbox_id: podSandboxId, config: toContainerConfig(config), sandbox_config: toSandboxConfig(sandboxConfig) },
      opts,
    );
    return rawStr(r, 'container_id');
  }

  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.#rt('StartContainer', { container_id: containerId }, opts);
  }

  async stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void> {
    const t = Math.max(0, Math.trunc(timeoutSeconds));
    await this.#rt('StopContainer', { container_id: containerId, timeout: t }, opts, t * 1000);
  }

  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.#rt('RemoveContainer', { container_id: containerId }, opts);
  }

  async listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]> {
    const r = await this.#rt('ListContainers', { filter: toContainerFilter(filter) }, opts);
    return rawList(r, 'containers').map(fromContainer);
  }

  async containerStatus(containerId: string, opts?: VerboseOptions): Promise<ContainerStatusResponse> {
    const r = await this.#rt('ContainerStatus', { container_id: containerId, verbose: opts?.verbose ?? false }, opts);
    if (r['status'] === null || r['status'] === undefined) {
      throw new CriError('NOT_FOUND', `container "${containerId}" has no status`, { method: 'ContainerStatus' });
    }
    return { status: fromContainerStatus(r['status']), info: infoMap(r) };
  }

  async updateContainerResources(containerId: string, resources: LinuxContainerResources, opts?: CallOptions): Promise<void> {
    await this.#rt('UpdateContainerResources', { container_id: containerId, linux: toResources(resources) }, opts);
  }

  async execSync(containerId: string, cmd: string[], opts?: ExecSyncOptions): Promise<ExecSyncResponse> {
    const t = Math.max(0, Math.trunc(opts?.timeoutSeconds ?? 0));
    const r = await this.#rt('ExecSync', { container_id: containerId, cmd, timeout: t }, opts, t * 1000);
    return { stdout: buf(r, 'stdout'), stderr: buf(r, 'stderr'), exitCode: rawInt(r, 'exit_code') };
  }

  async exec(request: ExecRequest, opts?: CallOptions): Promise<StreamingResponse> {
    const r = await this.#rt(
      'Exec',
      {
        container_id: request.containerId,
        cmd: request.cmd,
        tty: request.tty ?? false,
        stdin: request.stdin ?? false,
        stdout: request.stdout ?? true,
        stderr: request.stderr ?? !(request.tty ?? false),
      },
      opts,
    );
    return { url: rawStr(r, 'url') };
  }

  async attach(request: AttachRequest, opts?: CallOptions): Promise<StreamingResponse> {
    const r = await this.#rt(
      'Attach',
      {
        container_id: request.containerId,
        stdin: request.stdin ?? false,
        tty: request.tty ?? false,
        stdout: request.stdout ?? true,
        stderr: request.stderr ?? !(request.tty ?? false),
      },
      opts,
    );
    return { url: rawStr(r, 'url') };
  }

  async portForward(request: PortForwardRequest, opts?: CallOptions): Promise<StreamingResponse> {
    const r = await this.#rt('PortForward', { pod_sandbox_id: request.podSandboxId, port: request.ports ?? [] }, opts);
    return { url: rawStr(r, 'url') };
  }

  async containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats> {
    const r = await this.#rt('ContainerStats', { container_id: containerId }, opts);
    return fromContainerStats(r['stats']);
  }

  // ------------------------------------------------------------------------------- ImageService

  async listImages(filter?: { image?: ImageSpec }, opts?: CallOptions): Promise<Image[]> {
    const r = await this.#img('ListImages', { filter: filter?.image ? { image: toImageSpec(filter.image) } : undefined }, opts);
    return rawList(r, 'images').map(fromImage);
  }

  async imageStatus(image: ImageSpec, opts?: VerboseOptions): Promise<ImageStatusResponse> {
    const r = await this.#img('ImageStatus', { image: toImageSpec(image), verbose: opts?.verbose ?? false }, opts);
    const raw = r['image'];
    return { image: raw === null || raw === undefined ? null : fromImage(raw), info: infoMap(r) };
  }

  async pullImage(image: ImageSpec, opts?: PullImageOptions): Promise<string> {
    const a = opts?.auth;
    const r = await this.#img(
      'PullImage',
      {
        image: toImageSpec(image),
        auth: a
          ? {
              username: a.username ?? '',
              password: a.password ?? '',
              auth: a.auth ?? '',
              server_address: a.serverAddress ?? '',
              identity_token: a.identityToken ?? '',
              registry_token: a.registryToken ?? '',
            }
          : undefined,
        sandbox_config: opts?.sandboxConfig ? toSandboxConfig(opts.sandboxConfig) : undefined,
      },
      opts,
    );
    return rawStr(r, 'image_ref');
  }

  async removeImage(image: ImageSpec, opts?: CallOptions): Promise<void> {
    await this.#img('RemoveImage', { image: toImageSpec(image) }, opts);
  }
}
