{{/* The chart's name, or nameOverride: the app.kubernetes.io/name label. */}}
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
