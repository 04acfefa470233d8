import { FlagError, type FlagValues } from './flags.ts';
import { fromFlags, loadKubeconfig } from '../shared/client/kubeconfig.ts';
import type { RestClientOptions } from '../shared/client/rest-client.ts';
import { log } from '../shared/util/log.ts';

type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Checks --log-level and configures the process logger with it. */
export function configureLogLevel(values: FlagValues): void {
  const level = String(values['log-level']);
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new FlagError('--log-level must be debug, info, warn or error');
  log.configure({ level: level as LogLevel });
}

/**
 * Client options from the connection flags shared by the cluster components: --server [--token-file --ca-cert
 * --insecure-skip-tls-verify], else --kubeconfig [--context] (default $KUBECONFIG, else ~/.kube/config).
 */
export function restClientOptionsFromFlags(values: FlagValues): RestClientOptions {
  const server = values['server'] as string | undefined;
  if (server) {
    if (values['kubeconfig']) throw new FlagError('--server and --kubeconfig are exclusive');
    return fromFlags({
      server,
      ...(values['token-file'] ? { tokenFile: String(values['token-file']) } : {}),
      ...(values['ca-cert'] ? { caCert: String(values['ca-cert']) } : {}),
      insecure: values['insecure-skip-tls-verify'] === true,
    });
  }
  return loadKubeconfig({
    ...(values['kubeconfig'] ? { path: String(values['kubeconfig']) } : {}),
    ...(values['context'] ? { context: String(values['context']) } : {}),
  }).options;
}
