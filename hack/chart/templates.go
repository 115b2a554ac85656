// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	_ "embed"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
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
# config/manager. values.schema.json refuses a value not declared here.

# Objects are named <fullname>-controller-manager, <fullname>-scim and so
# on. fullname is the release name, with the chart's name appended unless
# the release name holds it; fullnameOverride replaces it. nameOverride
# replaces the chart's name, also in the app.kubernetes.io/name label.
nameOverride: ""
fullnameOverride: ""

image:
  repository: %s
  # Defaults to the chart's appVersion.
  tag: ""
  pullPolicy: IfNotPresent
imagePullSecrets: []

# The least severe log level written: debug, info or error.
logLevel: info

scim:
  # The URL identity providers reach the SCIM Service at (your ingress
  # host), shown as each tenant's endpoint and meta.location. Tenants may
  # set their own spec.publicBaseURL.
  baseURL: ""
  # How long a stopping SCIM replica keeps serving, unready, while its
  # endpoint leaves the Service and the ingress.
  drainDelay: 10s
  # The limits of a tenant whose spec.rateLimit leaves them out: requests
  # a second (a token bucket), requests at once above that rate, and
  # requests handled at once.
  tenantDefaults:
    requestsPerSecond: %d
    burst: %d
    maxInFlight: %d
  # HTTPS on the SCIM port itself, for clusters without a TLS-terminating
  # ingress or where the hop from the ingress to the pods must be
  # encrypted, with the certificate in secretName (tls.crt, tls.key;
  # default <fullname>-scim-tls), reloaded when renewed.
  tls:
    enable: false
    secretName: ""
    # cert-manager issues the certificate for the Service's in-cluster
    # name (or dnsNames). With no issuerRef the chart makes a self-signed
    # Issuer: the ingress must then trust the Secret's ca.crt.
    certManager:
      enable: false
      issuerRef: {}
      dnsNames: []

# Namespaces whose tenants the operator serves; empty serves every
# namespace. When set, the reconcilers and the SCIM server are granted
# Roles in these namespaces and no ClusterRole for identities.
watchNamespaces: []
`, repo, v1alpha1.DefaultRequestsPerSecond, v1alpha1.DefaultBurst, v1alpha1.DefaultMaxInFlight)
	for _, d := range v.deployments {
		res, _ := yaml.Marshal(d.resources)
		comment := "# The reconcilers: one leader-elected replica does the work."
		extra := "  leaderElection: true\n"
		spread := "How the pods spread over nodes and zones"
		if d.key == "scimServer" {
			comment = "# The SCIM server identity providers reach; every replica serves."
			extra = ""
			spread = "Set, replaces the default spread of the pods over nodes and zones"
		}
		fmt.Fprintf(&b, "\n%s\n%s:\n  replicas: %d\n%s  resources:\n%s", comment, d.key, d.replicas, extra, indent(string(res), "    "))
		fmt.Fprintf(&b, `  # Where the pods run, as in a PodSpec.
  nodeSelector: {}
  tolerations: []
  affinity: {}
  # %s.
  topologySpreadConstraints: []
  priorityClassName: ""
  podLabels: {}
  podAnnotations: {}
  # More manager flags (the README lists them), environment and volumes.
  extraArgs: []
  extraEnv: []
  extraVolumes: []
  extraVolumeMounts: []
`, spread)
	}
	b.WriteString(`
metrics:
  enable: true
  # HTTPS for callers the API server authenticates and authorizes for GET
  # /metrics (the <fullname>-metrics-reader ClusterRole); false serves
  # plain HTTP to anyone, and the ServiceMonitor scrapes it so.
  secure: true

prometheus:
  # A ServiceMonitor (needs the Prometheus Operator's CRDs).
  serviceMonitor:
    enable: false
    # Where the ServiceMonitor is created; default: the release's.
    namespace: ""
    # Labels your Prometheus selects monitors by (kube-prometheus-stack:
    # release: <its release name>).
    labels: {}
    # Prometheus's defaults when empty.
    interval: ""
    scrapeTimeout: ""
    # With metrics.secure, the Secret in the ServiceMonitor's namespace
    # whose key holds the token Prometheus scrapes with. Empty: the chart
    # makes a ServiceAccount bound to the metrics-reader ClusterRole and
    # its token Secret.
    authorization:
      secretName: ""
      key: token
  # The alerts of docs/runbooks.md.
  rules:
    enable: false
    # Labels your Prometheus selects rules by.
    labels: {}

grafana:
  # The dashboard as a ConfigMap labelled for Grafana's dashboard sidecar.
  dashboard:
    enable: false
    labels:
      grafana_dashboard: "1"

networkPolicy:
  # Admit only scimFrom to the SCIM port and metricsFrom to the metrics
  # port.
  enable: false
  # NetworkPolicy peers (namespaceSelector, podSelector) of the pods that
  # forward SCIM requests: your ingress controller's or your Gateway's
  # data plane. Required with enable: the chart assumes no edge.
  scimFrom: []
  # Peers that scrape metrics.
  metricsFrom:
    - namespaceSelector:
        matchLabels:
          metrics: enabled

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
    # Default: <fullname>-ingress-tls.
    secretName: ""
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

//go:embed values.schema.json
var valuesSchema string

const helpers = `{{/* The chart's name, or nameOverride: the app.kubernetes.io/name label. */}}
{{- define "scim-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name, short enough for the longest suffix
(-allow-scim-from-ingress) to fit in 63 characters. */}}
{{- define "scim-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 39 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 39 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 39 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "scim-operator.scimService" -}}
{{ include "scim-operator.fullname" . }}-scim
{{- end }}

{{- define "scim-operator.scimTLSSecret" -}}
{{ .Values.scim.tls.secretName | default (printf "%s-scim-tls" (include "scim-operator.fullname" .)) }}
{{- end }}

{{- define "scim-operator.monitorNamespace" -}}
{{ .Values.prometheus.serviceMonitor.namespace | default .Release.Namespace }}
{{- end }}

{{- define "scim-operator.scraperSecret" -}}
{{ .Values.prometheus.serviceMonitor.authorization.secretName | default (printf "%s-metrics-scraper" (include "scim-operator.fullname" .)) }}
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
{{- if .Values.scim.tls.enable }}

The SCIM port serves HTTPS with the certificate in Secret
{{ .Release.Namespace }}/{{ include "scim-operator.scimTLSSecret" . }}.
{{- if and .Values.scim.tls.certManager.enable (not .Values.scim.tls.certManager.issuerRef) }}
It is issued by the chart's self-signed Issuer {{ include "scim-operator.fullname" . }}-selfsigned: no public
CA vouches for it, so the ingress or gateway in front of the pods must trust
that Secret's ca.crt (ingress-nginx: nginx.ingress.kubernetes.io/proxy-ssl-secret
naming the Secret, and proxy-ssl-verify: "on").
{{- else if not .Values.scim.tls.certManager.enable }}
Create that Secret (tls.crt, tls.key) before the pods can start: they wait
in ContainerCreating until it exists.
{{- end }}
{{- end }}
{{- if .Values.networkPolicy.enable }}

Only networkPolicy.scimFrom reaches the SCIM port: when you move the ingress
controller or the gateway, change it there.
{{- end }}
`

const ingressTemplate = `{{- if .Values.ingress.enable }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "scim-operator.scimService" . }}
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
      secretName: {{ .Values.ingress.tls.secretName | default (printf "%s-ingress-tls" (include "scim-operator.fullname" .)) }}
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
  name: {{ include "scim-operator.scimService" . }}
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
  name: {{ include "scim-operator.scimTLSSecret" . }}
  namespace: {{ .Release.Namespace }}
spec:
  secretName: {{ include "scim-operator.scimTLSSecret" . }}
  dnsNames:
    {{- toYaml (default (list (printf "%s.%s.svc" (include "scim-operator.scimService" .) .Release.Namespace)) .Values.scim.tls.certManager.dnsNames) | nindent 4 }}
  issuerRef:
    {{- with .Values.scim.tls.certManager.issuerRef }}
    {{- toYaml . | nindent 4 }}
    {{- else }}
    kind: Issuer
    name: {{ include "scim-operator.fullname" . }}-selfsigned
    {{- end }}
  privateKey:
    rotationPolicy: Always
{{- end }}
`

// issuerTemplate is the Issuer of the SCIM port's certificate where the
// values name none: a public CA issues no certificate for a .svc name.
const issuerTemplate = `{{- if and .Values.scim.tls.enable .Values.scim.tls.certManager.enable (not .Values.scim.tls.certManager.issuerRef) }}
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: {{ include "scim-operator.fullname" . }}-selfsigned
  namespace: {{ .Release.Namespace }}
spec:
  selfSigned: {}
{{- end }}
`

// scraperTemplate is the identity Prometheus scrapes secure metrics with
// where the values name no Secret: a ServiceAccount allowed GET /metrics
// and nothing else, and its token in the ServiceMonitor's namespace, where
// the Prometheus Operator reads it.
const scraperTemplate = `{{- if and .Values.prometheus.serviceMonitor.enable .Values.metrics.secure (not .Values.prometheus.serviceMonitor.authorization.secretName) }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "scim-operator.fullname" . }}-metrics-scraper
  namespace: {{ include "scim-operator.monitorNamespace" . }}
  labels:
    app.kubernetes.io/component: metrics
    app.kubernetes.io/name: {{ include "scim-operator.name" . }}
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: {{ include "scim-operator.scraperSecret" . }}
  namespace: {{ include "scim-operator.monitorNamespace" . }}
  labels:
    app.kubernetes.io/component: metrics
    app.kubernetes.io/name: {{ include "scim-operator.name" . }}
  annotations:
    kubernetes.io/service-account.name: {{ include "scim-operator.fullname" . }}-metrics-scraper
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ include "scim-operator.fullname" . }}-metrics-scraper
  labels:
    app.kubernetes.io/component: metrics
    app.kubernetes.io/name: {{ include "scim-operator.name" . }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ include "scim-operator.fullname" . }}-metrics-reader
subjects:
  - kind: ServiceAccount
    name: {{ include "scim-operator.fullname" . }}-metrics-scraper
    namespace: {{ include "scim-operator.monitorNamespace" . }}
{{- end }}
`

const dashboardTemplate = `{{- if .Values.grafana.dashboard.enable }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "scim-operator.fullname" . }}-dashboard
  namespace: {{ .Release.Namespace }}
  labels:
    {{- toYaml .Values.grafana.dashboard.labels | nindent 4 }}
data:
  scim-operator.json: |-
    {{- .Files.Get "files/scim-operator.json" | nindent 4 }}
{{- end }}
`
