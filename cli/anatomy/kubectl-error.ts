/**
 * Errors in kubectl's words (k8s.io/kubectl/pkg/cmd/util/helpers.go StandardErrorMessage):
 *   - a Status with reason Unauthorized: `error: You must be logged in to the server (MESSAGE)`
 *   - another Status with a reason:      `Error from server (REASON): MESSAGE`
 *   - a Status without a reason:         `Error from server: MESSAGE`
 *   - a refused connection:              `The connection to the server HOST:PORT was refused - did you specify the right host or port?`
 *   - another transport failure:         `Unable to connect to the server: CAUSE`
 *   - anything else:                     `error: MESSAGE`
 */
import { StatusError } from '../../shared/errors/status-error.ts';

export function kubectlErrorMessage(err: unknown): string {
  if (err instanceof StatusError) {
    const status = err.status;
    const message = status.message ?? err.message;
    if (status.reason === 'Unauthorized') return `error: You must be logged in to the server (${message})`;
    if (status.reason) return `Error from server (${status.reason}): ${message}`;
    return `Error from server: ${message}`;
  }
  if (err instanceof Error) {
    const cause = err.cause as (Error & { code?: string; address?: string; port?: number }) | undefined;
    const code = (err as Error & { code?: string }).code ?? cause?.code;
    if (code === 'ECONNREFUSED') {
      const host = cause?.address !== undefined && cause.port !== undefined ? `${cause.address.includes(':') ? `[${cause.address}]` : cause.address}:${cause.port}` : 'the API server';
      return `The connection to the server ${host} was refused - did you specify the right host or port?`;
    }
    if (err.name === 'TimeoutError' || (code !== undefined && /^(E[A-Z]+|ERR_TLS_.*|UNABLE_TO_.*|DEPTH_ZERO_.*|SELF_SIGNED_.*|CERT_.*)$/.test(code))) {
      return `Unable to connect to the server: ${cause?.message ?? err.message}`;
    }
    return `error: ${err.message}`;
  }
  return `error: ${String(err)}`;
}
