/**
 * The Kubernetes remote-command protocols (exec/attach) as kubelab speaks them
 * (k8s.io/apimachinery/pkg/util/remotecommand, client-go tools/remotecommand, kubectl.md §9).
 *
 * WebSocket `v5.channel.k8s.io` (kubectl ≥ 1.30, client-node): binary messages whose first byte is the channel.
 *   0 stdin (client → server), 1 stdout, 2 stderr, 3 error/status (server → client, one JSON metav1.Status),
 *   4 resize (client → server, `{"Width":w,"Height":h}`), 255 close: `[255, ch]` half-closes channel ch (the
 *   client's stdin EOF is `[255, 0]`). `v4.channel.k8s.io` is the same without the close signal.
 * SPDY/3.1 `v4.channel.k8s.io` (kubelet, containerd's stream server, kubectl ≤ 1.29 and the SPDY fallback):
 *   one SPDY stream per channel, named by the `streamType` header (error, stdin, stdout, stderr, resize);
 *   stdin EOF is the FIN of the stdin stream; the status is written on the error stream.
 *
 * The status that ends a session: `{"metadata":{},"status":"Success"}`, or Failure with reason
 * `NonZeroExitCode` and a cause `{"reason":"ExitCode","message":"<n>"}` (kubectl exits with n and prints
 * `command terminated with exit code n`), or any other Failure (kubectl prints the message).
 */

export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
/** WebSocket subprotocols we serve for exec/attach, in preference order. */
export const WEBSOCKET_PROTOCOLS: readonly string[] = [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4];
/** SPDY stream protocols we serve (v5 over SPDY is v4: SPDY has its own half-close). */
export const SPDY_PROTOCOLS: readonly string[] = [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4];

export const CH_STDIN = 0;
export const CH_STDOUT = 1;
export const CH_STDERR = 2;
export const CH_ERROR = 3;
export const CH_RESIZE = 4;
export const CH_CLOSE = 255;

/** The `streamType` header values of the SPDY protocol. */
export const STREAM_TYPE_HEADER = 'streamtype';
export type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/** What a remote-command session carries (kubelet's query: input/output/error/tty = 1). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** metav1.Status as it travels on the error channel (no kind/apiVersion, as kubelet writes it). */
export interface ChannelStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export function successStatus(): ChannelStatus {
  return { metadata: {}, status: 'Success' };
}

/** What kubelet writes when the command exits non-zero (remotecommand.NonZeroExitCodeReason). */
export function exitCodeStatus(code: number, detail?: string): ChannelStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${detail ?? `exit status ${code}`}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** apierrors.NewInternalError as a channel status. */
export function internalErrorStatus(message: string): ChannelStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    code: 500,
    details: { causes: [{ message }] },
  };
}

/** The exit code a status carries: 0 for Success, n for NonZeroExitCode, undefined for other failures. */
export function statusExitCode(s: ChannelStatus): number | undefined {
  if (s.status === 'Success') return 0;
  if (s.reason !== 'NonZeroExitCode') return undefined;
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : undefined;
}

/** One channel message: `[channel, ...data]`. */
export function channelFrame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

/** Splits a message into channel and data; undefined for an empty message. */
export function parseChannelFrame(msg: Buffer): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  return { channel: msg[0] ?? 0, data: msg.subarray(1) };
}

/** Picks the first of `ours` the client offered (the ws library hands offers over as a Set). */
export function selectProtocol(offered: Iterable<string>, ours: readonly string[]): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return ours.find((p) => set.has(p));
}

/** Boolean query values as Go's strconv.ParseBool reads them (kubectl sends `true`, kubelet URLs `1`). */
export function parseBoolParam(v: string | null): boolean {
  if (v === null) return false;
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}
