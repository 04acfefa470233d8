import { writeFileSync } from 'node:fs';

/**
 * Writes a one-context kubeconfig (mode 0600) for a test server: the server URL, its CA (PEM, inlined; none:
 * insecure-skip-tls-verify) and the user's credentials (client certificate and key PEM, bearer token, or none).
 */
export function writeKubeconfigFile(file: string, opts: { server: string; caPem?: string; certPem?: string; keyPem?: string; token?: string }): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const user: string[] = [];
  if (opts.certPem && opts.keyPem) user.push(`    client-certificate-data: ${b64(opts.certPem)}`, `    client-key-data: ${b64(opts.keyPem)}`);
  if (opts.token) user.push(`    token: ${opts.token}`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: kubelab',
      '  cluster:',
      `    server: ${opts.server}`,
      opts.caPem ? `    certificate-authority-data: ${b64(opts.caPem)}` : '    insecure-skip-tls-verify: true',
      'users:',
      '- name: kubelab',
      ...(user.length ? ['  user:', ...user] : ['  user: {}']),
      'contexts:',
      '- name: kubelab',
      '  context: {cluster: kubelab, user: kubelab}',
      'current-context: kubelab',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}
