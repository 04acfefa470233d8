/**
 * EnsureImageExists (kubelet pkg/kubelet/images/image_manager.go): honours imagePullPolicy, records the
 * kubelet's events and backs off failed pulls.
 *
 * - Never: the image must be present, else ErrImageNeverPull.
 * - IfNotPresent: ImageStatus first; present -> done ("already present on machine").
 * - Always (and IfNotPresent when missing): PullImage, unless the image is in pull back-off, which gives
 *   ImagePullBackOff. A failed pull gives ErrImagePull and starts/extends the back-off (10 s doubling to
 *   5 min per pod+image, kubelet's flowcontrol backoff).
 * The default policy (when the API left it empty) is Always for `:latest` or untagged images, else IfNotPresent.
 */
import type { Container, Pod } from '../../shared/api/core-v1.ts';
import type { ImageService, PodSandboxConfig } from '../cri/services.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import type { EventRecorder } from '../events/event-recorder.ts';
import { podRef } from '../events/event-recorder.ts';
import { KeyedBackoff } from '../../shared/util/keyed-backoff.ts';
import { formatDuration } from '../util/time.ts';

export type ImageErrorReason = 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';

export class ImageError extends Error {
  readonly reason: ImageErrorReason;
  /** When to try again (back-off left), if known. */
  readonly retryAfterMs: number | undefined;
  constructor(reason: ImageErrorReason, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'ImageError';
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** `busybox` -> `busybox:latest`; names with a tag or digest stay. */
export function applyDefaultImageTag(image: string): string {
  if (image.includes('@')) return image;
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`;
}

export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const tagged = applyDefaultImageTag(image);
  return tagged.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

export interface ImageManagerOptions {
  images: ImageService;
  recorder?: EventRecorder;
  clock?: Clock;
  /** @default 10000 */
  backoffInitialMs?: number;
  /** @default 300000 */
  backoffMaxMs?: number;
}

export class ImageManager {
  #images: ImageService;
  #recorder: EventRecorder | undefined;
  #clock: Clock;
  readonly backoff: KeyedBackoff;

  constructor(options: ImageManagerOptions) {
    this.#images = options.images;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.backoff = new KeyedBackoff({ initialMs: options.backoffInitialMs ?? 10_000, maxMs: options.backoffMaxMs ?? 300_000, clock: this.#clock });
  }

  /** Returns the image ref (runtime image id) to create the container from. Throws ImageError. */
  async ensureImageExists(pod: Pod, container: Container, isInit: boolean, sandboxConfig: PodSandboxConfig, signal?: AbortSignal): Promise<string> {
    const ref = podRef(pod, container.name, isInit);
    const raw = container.image ?? '';
    if (!raw || /\s/.test(raw)) {
      const msg = `Failed to apply default image tag "${raw}": couldn't parse image name "${raw}": invalid reference format`;
      this.#recorder?.event(ref, 'Warning', 'InspectFailed', msg);
      throw new ImageError('InvalidImageName', msg);
    }
    const image = applyDefaultImageTag(raw);
    const policy = container.imagePullPolicy ?? defaultPullPolicy(raw);
    if (policy !== 'Always') {
      const st = await this.#images.imageStatus({ image }, signal ? { signal } : {});
      if (st.image) {
        this.#recorder?.event(ref, 'Normal', 'Pulled', `Container image "${raw}" already present on machine`);
        return st.image.id;
      }
      if (policy === 'Never') {
        const msg = `Container image "${raw}" is not present with pull policy of Never`;
        this.#recorder?.event(ref, 'Warning', 'ErrImageNeverPull', msg);
        throw new ImageError('ErrImageNeverPull', msg);
      }
    }
    const key = `${pod.metadata.uid}_${image}`;
    const left = this.backoff.remainingSinceLastUpdate(key);
    if (left > 0) {
      const msg = `Back-off pulling image "${raw}"`;
      this.#recorder?.event(ref, 'Normal', 'BackOff', msg);
      throw new ImageError('ImagePullBackOff', msg, left);
    }
    this.#recorder?.event(ref, 'Normal', 'Pulling', `Pulling image "${raw}"`);
    const started = this.#clock.now();
    try {
      const imageRef = await this.#images.pullImage({ image }, { sandboxConfig, ...(signal ? { signal } : {}) });
      this.backoff.reset(key);
      this.#recorder?.event(ref, 'Normal', 'Pulled', `Successfully pulled image "${raw}" in ${formatDuration(this.#clock.now() - started)}`);
      return imageRef;
    } catch (err) {
      if (signal?.aborted) throw err;
      const delay = this.backoff.next(key, this.#clock.now());
      const msg = `Failed to pull image "${raw}": ${(err as Error).message}`;
      this.#recorder?.event(ref, 'Warning', 'Failed', msg);
      throw new ImageError('ErrImagePull', msg, delay);
    }
  }

  /** Forgets a pod's back-off state. */
  forgetPod(uid: string): void {
    this.backoff.resetPrefix(`${uid}_`);
  }
}
