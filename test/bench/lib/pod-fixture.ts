/**
 * The benchmark pod: a realistic ~1.5 KB Deployment-style pod (two containers with env, resources, probes, volume
 * mounts, labels and annotations), the same shape for every scenario.
 */
export function benchPod(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'checkout', tier: 'backend', 'pod-template-hash': '7d9f8c6b5d', 'app.kubernetes.io/version': '2.14.1' },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/shop/checkout:2.14.1',
          args: ['--listen=:8080', '--metrics=:9090', '--log-level=info'],
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
          ],
          env: [
            { name: 'DATABASE_HOST', value: 'postgres.shop.svc.cluster.local' },
            { name: 'DATABASE_POOL_SIZE', value: '20' },
            { name: 'CACHE_URL', value: 'redis://redis.shop.svc.cluster.local:6379/0' },
            { name: 'FEATURE_FLAGS', value: 'new-cart,fast-checkout' },
            { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4317' },
          ],
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/checkout', readOnly: true }],
        },
        {
          name: 'log-shipper',
          image: 'registry.example.com/infra/fluent-bit:3.1.4',
          args: ['-c', '/fluent-bit/etc/fluent-bit.conf'],
          env: [{ name: 'LOG_DESTINATION', value: 'loki.observability.svc:3100' }],
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          volumeMounts: [{ name: 'varlog', mountPath: '/var/log' }],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'checkout-config' } },
        { name: 'varlog', emptyDir: {} },
      ],
    },
  };
}
