{{/* The SCIM Service's name, as the kustomize install names it. */}}
{{- define "scim-operator.scimService" -}}
scim-operator-scim
{{- end }}
