// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Command chart writes the Helm chart in dist/chart from the kustomize
// tree, so that the chart and the kustomize install are one install: CRDs,
// RBAC, Services and policies are taken as kustomize builds them, the two
// Deployments with their image, replicas, resources and flags turned into
// values, and each optional component behind a value. `make chart` runs
// it; `make verify-chart` fails when dist/chart differs from its output.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/internal/manifest"
)

// namespace is the namespace config/default installs into; the chart
// installs into the release's.
const namespace = "scim-operator-system"

func main() {
	kustomize := flag.String("kustomize", "kustomize", "kustomize binary")
	source := flag.String("source", "hack/chart", "kustomization the chart is generated from")
	out := flag.String("out", "dist/chart", "directory to write the chart into")
	flag.Parse()
	if err := run(*kustomize, *source, *out); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

func run(kustomize, source, out string) error {
	built, err := exec.CommandContext(context.Background(), kustomize, "build", source).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("kustomize build %s: %w: %s", source, err, exit.Stderr)
		}
		return fmt.Errorf("kustomize build %s: %w", source, err)
	}
	objs, err := manifest.Decode(built)
	if err != nil {
		return err
	}
	files := map[string]string{
		".helmignore":                         "# Patterns to ignore when packaging the chart.\n.DS_Store\n*.orig\n*~\n",
		"templates/_helpers.tpl":              helpers,
		"templates/NOTES.txt":                 notes,
		"templates/edge/ingress.yaml":         ingressTemplate,
		"templates/edge/httproute.yaml":       httpRouteTemplate,
		"templates/edge/certificate.yaml":     certificateTemplate,
		"templates/monitoring/dashboard.yaml": dashboardTemplate,
	}
	dashboard, err := os.ReadFile("config/grafana/scim-operator.json")
	if err != nil {
		return fmt.Errorf("read the dashboard: %w", err)
	}
	files["files/scim-operator.json"] = string(dashboard)
	var values *valuesFile
	for _, o := range objs {
		path, body, err := template(o, &values)
		if err != nil {
			return fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		if path != "" {
			files[path] = body
		}
	}
	if values == nil {
		return errors.New("the kustomize build has no Deployments")
	}
	files["values.yaml"] = values.render()
	_, tag := manifest.SplitImage(values.image)
	if tag == "" || tag == "latest" || !strings.HasPrefix(tag, "v") {
		return fmt.Errorf("the image %q names no release: set its newTag in config/manager/kustomization.yaml to the release (vX.Y.Z)", values.image)
	}
	files["Chart.yaml"] = chartYAML(strings.TrimPrefix(tag, "v"), tag)
	return write(out, files)
}

// write replaces dir with files.
func write(dir string, files map[string]string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, []byte(files[name]), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// gates are the values that turn a kind of object on, by kind.
var gates = map[string]string{
	"ServiceMonitor": ".Values.prometheus.serviceMonitor.enable",
	"PrometheusRule": ".Values.prometheus.rules.enable",
	"NetworkPolicy":  ".Values.networkPolicy.enable",
	// A PodDisruptionBudget of one replica would block every node drain.
	"PodDisruptionBudget": "(and .Values.pdb.enable (gt (int .Values.scimServer.replicas) 1))",
}

// namespacedRoles are the roles the reconcilers and the server read and
// write identities with: with watchNamespaces set they are granted as
// Roles in those namespaces instead of ClusterRoles, as config/namespaced
// does.
var namespacedRoles = map[string]bool{"scim-operator-controller-role": true, "scim-operator-server-role": true}

// template turns one object of the kustomize build into a chart file.
func template(o *unstructured.Unstructured, values **valuesFile) (path, body string, err error) {
	kind, name := o.GetKind(), o.GetName()
	switch kind {
	case "Namespace":
		// The release's namespace: helm install --create-namespace.
		return "", "", nil
	case "CustomResourceDefinition":
		o.SetAnnotations(merge(o.GetAnnotations(), map[string]string{"__KEEP__": ""}))
		b, err := render(o)
		if err != nil {
			return "", "", err
		}
		b = strings.Replace(b, "    __KEEP__: \"\"\n", "    {{- if .Values.crd.keep }}\n    helm.sh/resource-policy: keep\n    {{- end }}\n", 1)
		return "templates/crd/" + name + ".yaml", "{{- if .Values.crd.enable }}\n" + b + "{{- end }}\n", nil
	case "Deployment":
		d := &appsv1.Deployment{}
		if err := convert(o, d); err != nil {
			return "", "", err
		}
		if *values == nil {
			*values = &valuesFile{}
		}
		b, err := deployment(d, *values)
		return "templates/manager/" + strings.TrimPrefix(name, "scim-operator-") + ".yaml", b, err
	case "ClusterRole", "ClusterRoleBinding":
		b, err := render(o)
		if err != nil {
			return "", "", err
		}
		file := "templates/rbac/" + strings.ToLower(kind) + "-" + strings.TrimPrefix(name, "scim-operator-") + ".yaml"
		roleName := name
		if kind == "ClusterRoleBinding" {
			roleName, _, _ = unstructured.NestedString(o.Object, "roleRef", "name")
		}
		if !namespacedRoles[roleName] {
			return file, b, nil
		}
		role := strings.Replace(b, "kind: "+kind+"\n", "kind: "+strings.TrimPrefix(kind, "Cluster")+"\n", 1)
		role = strings.Replace(role, "  name: "+name+"\n", "  name: "+name+"\n  namespace: {{ $ns }}\n", 1)
		role = strings.ReplaceAll(role, "  kind: ClusterRole\n", "  kind: Role\n")
		role = strings.ReplaceAll(role, "{{ .Release.Namespace }}", "{{ $.Release.Namespace }}")
		return file, "{{- if not .Values.watchNamespaces }}\n" + b + "{{- else }}\n{{- range $ns := .Values.watchNamespaces }}\n" + role + "{{- end }}\n{{- end }}\n", nil
	case "Service":
		b, err := render(o)
		if err != nil {
			return "", "", err
		}
		file := "templates/service/" + strings.TrimPrefix(name, "scim-operator-") + ".yaml"
		if name == "scim-operator-metrics" {
			return file, "{{- if .Values.metrics.enable }}\n" + b + "{{- end }}\n", nil
		}
		return file, b, nil
	}
	b, err := render(o)
	if err != nil {
		return "", "", err
	}
	dir := "templates/rbac/"
	switch kind {
	case "ServiceMonitor", "PrometheusRule":
		dir = "templates/monitoring/"
		// Alert templates are Prometheus's, not Helm's.
		b = strings.ReplaceAll(strings.ReplaceAll(b, "{{", "{{`{{"), "}}", "}}`}}")
		b = strings.ReplaceAll(b, "{{`{{ .Release.Namespace }}`}}", "{{ .Release.Namespace }}")
		var err error
		if kind == "ServiceMonitor" {
			b, err = scrapeAsServed(b)
		} else {
			b, err = gateRule(b, "ScimControllerNoLeader", ".Values.controllerManager.leaderElection")
		}
		if err != nil {
			return "", "", err
		}
	case "NetworkPolicy":
		dir = "templates/network-policy/"
		b = strings.Replace(b, "        matchLabels:\n          kubernetes.io/metadata.name: ingress-nginx\n",
			"        matchLabels:\n          {{- toYaml .Values.networkPolicy.ingressNamespaceLabels | nindent 10 }}\n", 1)
	case "PodDisruptionBudget":
		dir = "templates/manager/"
	}
	file := dir + strings.ToLower(kind) + "-" + strings.TrimPrefix(name, "scim-operator-") + ".yaml"
	if gate := gates[kind]; gate != "" {
		b = "{{- if " + gate + " }}\n" + b + "{{- end }}\n"
	}
	return file, b, nil
}

// secureEndpoint is the ServiceMonitor endpoint config/components/prometheus
// declares: HTTPS with the scraper's token.
const secureEndpoint = `  - bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
    path: /metrics
    port: metrics
    scheme: https
    tlsConfig:
      insecureSkipVerify: true
`

// scrapeAsServed makes the ServiceMonitor scrape metrics the way the
// manager serves them: over HTTPS with a token when metrics.secure is on,
// over plain HTTP when it is off.
func scrapeAsServed(b string) (string, error) {
	if !strings.Contains(b, secureEndpoint) {
		return "", errors.New("the ServiceMonitor's endpoint is not the one the generator knows: update scrapeAsServed")
	}
	return strings.Replace(b, secureEndpoint, `  - path: /metrics
    port: metrics
    {{- if .Values.metrics.secure }}
    scheme: https
    bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
    tlsConfig:
      insecureSkipVerify: true
    {{- else }}
    scheme: http
    {{- end }}
`, 1), nil
}

// gateRule renders the alert named alert only where gate holds: an alert
// about leader election fires for good where there is none.
func gateRule(b, alert, gate string) (string, error) {
	lines := strings.Split(b, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "- alert: "+alert })
	if start < 0 {
		return "", fmt.Errorf("the rules have no alert %s to gate", alert)
	}
	indent := lines[start][:len(lines[start])-len(strings.TrimLeft(lines[start], " "))]
	end := start + 1
	for end < len(lines) && strings.HasPrefix(lines[end], indent+" ") {
		end++
	}
	out := append(slices.Clone(lines[:start]), indent+"{{- if "+gate+" }}")
	out = append(out, lines[start:end]...)
	out = append(out, indent+"{{- end }}")
	return strings.Join(append(out, lines[end:]...), "\n"), nil
}

// render writes o as YAML with the namespace it was built for replaced by
// the release's.
func render(o any) (string, error) {
	b, err := yaml.Marshal(o)
	if err != nil {
		return "", fmt.Errorf("render: %w", err)
	}
	s := strings.ReplaceAll(string(b), "namespace: "+namespace+"\n", "namespace: {{ .Release.Namespace }}\n")
	return "---\n" + s, nil
}

func convert(o *unstructured.Unstructured, into any) error {
	b, err := o.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// component is one Deployment's values key.
func component(d *appsv1.Deployment) string {
	if strings.HasSuffix(d.Name, "scim-server") {
		return "scimServer"
	}
	return "controllerManager"
}

// Placeholders set in a Deployment before it is rendered, each replaced
// by template lines at its own indentation.
const (
	phImage       = "__IMAGE__"
	phPullPolicy  = "__PULL_POLICY__"
	phReplicas    = 987654321
	phResources   = "__RESOURCES__"
	phArgs        = "__ARGS__"
	phVolumes     = "__VOLUMES__"
	phMounts      = "__MOUNTS__"
	phPullSecrets = "__PULL_SECRETS__"
)

// deployment templates d: image, replicas and resources from values, the
// flags values decide, and what TLS on the SCIM port mounts.
func deployment(d *appsv1.Deployment, values *valuesFile) (string, error) {
	key := component(d)
	c := &d.Spec.Template.Spec.Containers[0]
	values.add(key, *d.Spec.Replicas, c.Resources, c.Image)

	d.Spec.Replicas = ptrTo(int32(phReplicas))
	c.Image, c.ImagePullPolicy = phImage, phPullPolicy
	c.Resources = corev1.ResourceRequirements{}
	c.TerminationMessagePath = phResources
	var args []string
	for _, a := range c.Args {
		switch {
		case a == "--leader-elect", strings.HasPrefix(a, "--metrics-bind-address="), strings.HasPrefix(a, "--scim-base-url="):
			// Decided by values below.
		default:
			args = append(args, a)
		}
	}
	args = append(args, phArgs)
	c.Args = args
	d.Spec.Template.Spec.SchedulerName = phPullSecrets
	if key == "scimServer" {
		c.WorkingDir = phMounts
		d.Spec.Template.Spec.PriorityClassName = phVolumes
	}
	b, err := render(d)
	if err != nil {
		return "", err
	}
	v := ".Values." + key
	argLines := []string{
		`- --metrics-bind-address={{ if .Values.metrics.enable }}:8443{{ else }}0{{ end }}`,
		`- --metrics-secure={{ .Values.metrics.secure }}`,
		`{{- with .Values.scim.baseURL }}`, `- --scim-base-url={{ . }}`, `{{- end }}`,
		`{{- with .Values.watchNamespaces }}`, `- --watch-namespaces={{ join "," . }}`, `{{- end }}`,
	}
	if key == "controllerManager" {
		argLines = append(argLines, `{{- if `+v+`.leaderElection }}`, `- --leader-elect`, `{{- end }}`)
	} else {
		argLines = append(argLines, `- --scim-drain-delay={{ .Values.scim.drainDelay }}`,
			`{{- if .Values.scim.tls.enable }}`, `- --scim-tls-cert-dir=/etc/scim-tls`, `{{- end }}`)
	}
	// What a typed Deployment renders that kustomize's does not.
	for _, empty := range []string{"resources: {}", "strategy: {}", "status: {}", "creationTimestamp: null"} {
		b = replaceLine(b, empty, nil)
	}
	b = replaceLine(b, "replicas: 987654321", []string{"replicas: {{ " + v + ".replicas }}"})
	b = replaceLine(b, "image: "+phImage, []string{`image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"`})
	b = replaceLine(b, "imagePullPolicy: "+phPullPolicy, []string{"imagePullPolicy: {{ .Values.image.pullPolicy }}"})
	b = replaceLine(b, "terminationMessagePath: "+phResources, []string{"resources:", "  {{- toYaml " + v + ".resources | nindent __INDENT2__ }}"})
	b = replaceLine(b, "- "+phArgs, argLines)
	b = replaceLine(b, "schedulerName: "+phPullSecrets, []string{"{{- with .Values.imagePullSecrets }}", "imagePullSecrets:", "  {{- toYaml . | nindent __INDENT2__ }}", "{{- end }}"})
	b = replaceLine(b, "workingDir: "+phMounts, []string{"{{- if .Values.scim.tls.enable }}", "volumeMounts:", "- name: scim-tls", "  mountPath: /etc/scim-tls", "  readOnly: true", "{{- end }}"})
	b = replaceLine(b, "priorityClassName: "+phVolumes, []string{"{{- if .Values.scim.tls.enable }}", "volumes:", "- name: scim-tls", "  secret:", "    secretName: {{ .Values.scim.tls.secretName }}", "{{- end }}"})
	if strings.Contains(b, "__") {
		return "", fmt.Errorf("a placeholder was left in the template:\n%s", b)
	}
	return b, nil
}

// replaceLine replaces the line whose content is old with lines, indented
// as it was. __INDENT2__ is that indentation plus two, for nindent.
func replaceLine(b, old string, lines []string) string {
	var out []string
	for _, line := range strings.Split(b, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if trimmed != old {
			out = append(out, line)
			continue
		}
		indent := len(line) - len(trimmed)
		for _, l := range lines {
			out = append(out, strings.Repeat(" ", indent)+strings.ReplaceAll(l, "__INDENT2__", fmt.Sprint(indent+2)))
		}
	}
	return strings.Join(out, "\n")
}

func ptrTo[T any](v T) *T { return &v }

// chartYAML is Chart.yaml: the chart's version is the release's, without
// the v, and its appVersion the image tag of that release.
func chartYAML(version, appVersion string) string {
	return fmt.Sprintf(`apiVersion: v2
name: scim-operator
description: SCIM 2.0 provisioning of users and groups from identity providers (Entra ID, Okta, OneLogin, JumpCloud) into Kubernetes resources.
type: application
version: %s
appVersion: %q
keywords: [scim, identity, provisioning, entra, okta, operator]
home: https://github.com/scim-operator/scim-operator
sources: [https://github.com/scim-operator/scim-operator]
`, version, appVersion)
}
