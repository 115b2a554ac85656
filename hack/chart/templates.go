// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/internal/manifest"
)

// deploymentValues are one Deployment's defaults, as kustomize builds it.
type deploymentValues struct {
	key       string
	replicas  int32
	resources corev1.ResourceRequirements
}

// valuesFile is values.yaml: the Deployments' defaults from the kustomize
// build, and the chart's own switches.
type valuesFile struct {
	image       string
	deployments []deploymentValues
}

func (v *valuesFile) add(key string, replicas int32, resources corev1.ResourceRequirements, image string) {
	v.image = image
	v.deployments = append(v.deployments, deploymentValues{key: key, replicas: replicas, resources: resources})
}

func (v *valuesFile) render() string {
	repo, _ := manifest.SplitImage(v.image)
	var b strings.Builder
	fmt.Fprintf(&b, `# Values of the scim-operator chart, generated with the chart from the
# kustomize tree (make chart): the Deployments' defaults are those of
# config/manager.

image:
  repository: %s
  # Defaults to the chart's appVersion.
  tag: ""
  pullPolicy: IfNotPresent
imagePullSecrets: []

scim:
  # The URL identity providers reach the SCIM Service at (your ingress
  # host), shown as each tenant's endpoint and meta.location. Tenants may
  # set their own spec.publicBaseURL.
  baseURL: ""
  # How long a stopping SCIM replica keeps serving, unready, while its
  # endpoint leaves the Service and the ingress.
  drainDelay: 10s
  # HTTPS on the SCIM port itself, for clusters without a TLS-terminating
  # ingress, with the certificate in secretName (tls.crt, tls.key),
  # reloaded when renewed. certManager issues it with cert-manager.
  tls:
    enable: false
    secretName: scim-operator-scim-tls
    certManager:
      enable: false
      issuerRef:
        kind: ClusterIssuer
        name: letsencrypt
      dnsNames: []

# Namespaces whose tenants the operator serves; empty serves every
# namespace. When set, the reconcilers and the SCIM server are granted
# Roles in these namespaces and no ClusterRole for identities.
watchNamespaces: []
`, repo)
	for _, d := range v.deployments {
		res, _ := yaml.Marshal(d.resources)
		comment := "# The reconcilers: one leader-elected replica does the work."
		extra := "  leaderElection: true\n"
		if d.key == "scimServer" {
			comment = "# The SCIM server identity providers reach; every replica serves."
			extra = ""
		}
		fmt.Fprintf(&b, "\n%s\n%s:\n  replicas: %d\n%s  resources:\n%s", comment, d.key, d.replicas, extra, indent(string(res), "    "))
	}
	b.WriteString(`
metrics:
  enable: true
  # HTTPS for callers the API server authenticates and authorizes for GET
  # /metrics (bind Prometheus to the scim-operator-metrics-reader role);
  # false serves plain HTTP to anyone, and the ServiceMonitor scrapes it so.
  secure: true

prometheus:
  # A ServiceMonitor (needs the Prometheus Operator's CRDs).
  serviceMonitor:
    enable: false
  # The alerts of docs/runbooks.md.
  rules:
    enable: false

grafana:
  # The dashboard as a ConfigMap labelled for Grafana's dashboard sidecar.
  dashboard:
    enable: false
    labels:
      grafana_dashboard: "1"

networkPolicy:
  # Admit only the ingress controller to the SCIM port, and namespaces
  # labelled metrics=enabled to the metrics port.
  enable: false
  # Labels of the ingress controller's namespace.
  ingressNamespaceLabels:
    kubernetes.io/metadata.name: ingress-nginx

# Keep a SCIM replica up through node drains (with two or more replicas).
pdb:
  enable: true

# An Ingress routing /scim/v2/ to the SCIM Service.
ingress:
  enable: false
  className: nginx
  host: scim.example.com
  annotations: {}
  tls:
    enable: true
    secretName: scim-operator-ingress-tls
    # Set to have cert-manager issue the certificate.
    clusterIssuer: ""

# A Gateway API HTTPRoute routing /scim/v2/ to the SCIM Service.
httpRoute:
  enable: false
  parentRefs: []
  hostnames: []

crd:
  # Install the CRDs with the chart.
  enable: true
  # Keep them (and every identity) when the release is uninstalled.
  keep: true
`)
	return b.String()
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

const helpers = `{{/* The SCIM Service's name, as the kustomize install names it. */}}
{{- define "scim-operator.scimService" -}}
scim-operator-scim
{{- end }}
`

const notes = `scim-operator is installed in {{ .Release.Namespace }}.

Declare a tenant:

  kubectl create namespace identities
  kubectl -n identities apply -f - <<EOF
  apiVersion: scim.provisioning.io/v1alpha1
  kind: ScimTenant
  metadata:
    name: acme
  spec:
    tokenSecretRef:
      name: acme-scim-token
  EOF

  kubectl -n identities wait --for=condition=Ready scimtenant/acme

Give the identity provider the tenant's endpoint and token:

  kubectl -n identities get scimtenant acme -o jsonpath='{.status.endpoint}'
  kubectl -n identities get secret acme-scim-token -o jsonpath='{.data.token}' | base64 -d

Check the tenant end to end, as the identity provider will reach it
(the kubectl scim plugin: go install github.com/scim-operator/scim-operator/cmd/kubectl-scim@{{ .Chart.AppVersion }}):

  kubectl scim doctor -n identities -t acme --service {{ .Release.Namespace }}/{{ include "scim-operator.scimService" . }}:80
{{- if not .Values.scim.baseURL }}

scim.baseURL is not set: tenants' endpoints have no host until you set it
(or spec.publicBaseURL on each tenant).
{{- end }}
`

const ingressTemplate = `{{- if .Values.ingress.enable }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: scim-operator-scim
  namespace: {{ .Release.Namespace }}
  annotations:
    {{- with .Values.ingress.tls.clusterIssuer }}
    cert-manager.io/cluster-issuer: {{ . }}
    {{- end }}
    {{- if .Values.scim.tls.enable }}
    nginx.ingress.kubernetes.io/backend-protocol: HTTPS
    {{- end }}
    {{- with .Values.ingress.annotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  ingressClassName: {{ .Values.ingress.className }}
  {{- if .Values.ingress.tls.enable }}
  tls:
    - hosts: [{{ .Values.ingress.host | quote }}]
      secretName: {{ .Values.ingress.tls.secretName }}
  {{- end }}
  rules:
    - host: {{ .Values.ingress.host | quote }}
      http:
        paths:
          - path: /scim/v2/
            pathType: Prefix
            backend:
              service:
                name: {{ include "scim-operator.scimService" . }}
                port:
                  name: scim
{{- end }}
`

const httpRouteTemplate = `{{- if .Values.httpRoute.enable }}
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: scim-operator-scim
  namespace: {{ .Release.Namespace }}
spec:
  parentRefs:
    {{- toYaml .Values.httpRoute.parentRefs | nindent 4 }}
  {{- with .Values.httpRoute.hostnames }}
  hostnames:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /scim/v2/
      backendRefs:
        - name: {{ include "scim-operator.scimService" . }}
          port: 80
      timeouts:
        request: 75s
{{- end }}
`

const certificateTemplate = `{{- if and .Values.scim.tls.enable .Values.scim.tls.certManager.enable }}
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: scim-operator-scim-tls
  namespace: {{ .Release.Namespace }}
spec:
  secretName: {{ .Values.scim.tls.secretName }}
  dnsNames:
    {{- toYaml (default (list (printf "%s.%s.svc" (include "scim-operator.scimService" .) .Release.Namespace)) .Values.scim.tls.certManager.dnsNames) | nindent 4 }}
  issuerRef:
    {{- toYaml .Values.scim.tls.certManager.issuerRef | nindent 4 }}
  privateKey:
    rotationPolicy: Always
{{- end }}
`

const dashboardTemplate = `{{- if .Values.grafana.dashboard.enable }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: scim-operator-dashboard
  namespace: {{ .Release.Namespace }}
  labels:
    {{- toYaml .Values.grafana.dashboard.labels | nindent 4 }}
data:
  scim-operator.json: |-
    {{- .Files.Get "files/scim-operator.json" | nindent 4 }}
{{- end }}
`
