/** A synthetic `helm template` stream for benchmarks: workloads, Services, ConfigMaps and CronJobs. */
function workload(i: number, suspect: boolean): string {
  const name = `svc-${i}`;
  const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Service', 'ConfigMap', 'CronJob'];
  const kind = kinds[i % kinds.length]!;
  const header = `# Source: platform/charts/${name}/templates/${kind.toLowerCase()}.yaml
apiVersion: ${kind === 'CronJob' ? 'batch/v1' : kind === 'Service' || kind === 'ConfigMap' ? 'v1' : 'apps/v1'}
kind: ${kind}
metadata:
  name: ${name}
  namespace: team-${i % 13}
  labels:
    app.kubernetes.io/name: ${name}
    helm.sh/chart: ${name}-0.${i % 9}.3
  annotations:
    postrenderer.helm.sh/postrender-filename: platform/charts/${name}/templates/${kind.toLowerCase()}.yaml
`;
  if (kind === 'Service') {
    return `${header}spec:
  type: ClusterIP
  ports:
    - port: 80
      targetPort: http
      protocol: TCP
      name: http
  selector:
    app.kubernetes.io/name: ${name}
`;
  }
  if (kind === 'ConfigMap') {
    return `${header}data:
  config.yaml: |
    server:
      port: 8080
      # plain text, not YAML to the outer document
      name: ${name}
  LOG_LEVEL: info
`;
  }
  const pod = `      containers:
        - name: app
          image: "registry.example.com/platform/${name}:1.${i % 50}.0"
          args: ["--port=8080", "${suspect ? `--sidecar-image=quay.io/example/sidecar:1.${i % 50}.0` : '--verbose'}"]
          resources: {}
        - name: proxy
          image: envoyproxy/envoy:v1.${i % 30}.1
`;
  if (kind === 'CronJob') {
    return `${header}spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
${pod.replace(/^/gm, '    ').trimEnd()}
          restartPolicy: OnFailure
`;
  }
  return `${header}spec:
  replicas: ${1 + (i % 3)}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
${pod}`;
}

/**
 * `count` documents joined into one stream. With `suspects`, every workload also names an image
 * in an argument (a suspect: reimage reads those documents' every string).
 */
export function manifestStream(count: number, options: { suspects?: boolean } = {}): string {
  return Array.from({ length: count }, (_, i) => workload(i, options.suspects ?? false)).join('---\n');
}
