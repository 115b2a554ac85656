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
	"regexp"
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
		"templates/monitoring/scraper.yaml":   scraperTemplate,
		"templates/edge/issuer.yaml":          issuerTemplate,
		"values.schema.json":                  valuesSchema,
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
			files[path] = names(body)
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
	if name == scraper && (kind == "ServiceAccount" || kind == "Secret" || kind == "ClusterRoleBinding") {
		// The chart's own scraperTemplate makes these, in the monitor's
		// namespace, or none where the values name a Secret.
		return "", "", nil
	}
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
			b, err = monitorAsValued(b)
		} else {
			b, err = gateRule(b, "ScimControllerNoLeader", ".Values.controllerManager.leaderElection")
			if err == nil {
				b, err = extraLabels(b, ".Values.prometheus.rules.labels")
			}
		}
		if err != nil {
			return "", "", err
		}
	case "NetworkPolicy":
		dir = "templates/network-policy/"
		if b, err = peersFromValues(o); err != nil {
			return "", "", err
		}
	case "PodDisruptionBudget":
		dir = "templates/manager/"
	}
	file := dir + strings.ToLower(kind) + "-" + strings.TrimPrefix(name, "scim-operator-") + ".yaml"
	if gate := gates[kind]; gate != "" {
		b = "{{- if " + gate + " }}\n" + b + "{{- end }}\n"
	}
	return file, b, nil
}

// scraper names the identity config/components/prometheus scrapes with.
const scraper = "scim-operator-metrics-scraper"

// secureEndpoint is the ServiceMonitor endpoint config/components/prometheus
// declares: HTTPS with the scraper's token.
const secureEndpoint = `  - authorization:
      credentials:
        key: token
        name: scim-operator-metrics-scraper
      type: Bearer
    path: /metrics
    port: metrics
    scheme: https
    tlsConfig:
      insecureSkipVerify: true
`

// monitorAsValued makes the ServiceMonitor scrape metrics the way the
// manager serves them — over HTTPS with a token from a Secret when
// metrics.secure is on, over plain HTTP when it is off — from the
// namespace, with the labels and at the interval the values name.
func monitorAsValued(b string) (string, error) {
	if !strings.Contains(b, secureEndpoint) {
		return "", errors.New("the ServiceMonitor's endpoint is not the one the generator knows: update monitorAsValued")
	}
	b = strings.Replace(b, secureEndpoint, `  - path: /metrics
    port: metrics
    {{- with .Values.prometheus.serviceMonitor.interval }}
    interval: {{ . }}
    {{- end }}
    {{- with .Values.prometheus.serviceMonitor.scrapeTimeout }}
    scrapeTimeout: {{ . }}
    {{- end }}
    {{- if .Values.metrics.secure }}
    scheme: https
    authorization:
      type: Bearer
      credentials:
        name: {{ include "scim-operator.scraperSecret" $ }}
        key: {{ .Values.prometheus.serviceMonitor.authorization.key }}
    tlsConfig:
      insecureSkipVerify: true
    {{- else }}
    scheme: http
    {{- end }}
`, 1)
	t := &templater{b: b}
	t.once("namespace: {{ .Release.Namespace }}", "namespace: {{ include \"scim-operator.monitorNamespace\" $ }}")
	// The monitor may live in Prometheus's namespace; the Service is in the release's.
	t.once("selector:", "namespaceSelector:", "  matchNames:", "  - {{ .Release.Namespace }}", "selector:")
	if t.err != nil {
		return "", t.err
	}
	return extraLabels(t.b, ".Values.prometheus.serviceMonitor.labels")
}

// extraLabels adds the labels value names to the object's own labels, for
// a Prometheus that selects monitors and rules by label.
func extraLabels(b, value string) (string, error) {
	lines := strings.Split(b, "\n")
	start := slices.Index(lines, "  labels:")
	if start < 0 {
		return "", errors.New("the object has no labels to add to")
	}
	end := start + 1
	for end < len(lines) && strings.HasPrefix(lines[end], "    ") {
		end++
	}
	out := append(slices.Clone(lines[:end]), "    {{- with "+value+" }}", "    {{- toYaml . | nindent 4 }}", "    {{- end }}")
	return strings.Join(append(out, lines[end:]...), "\n"), nil
}

// policyPeers are the values that admit peers to each NetworkPolicy's port.
var policyPeers = map[string]string{
	"scim-operator-allow-scim-from-ingress": "scimFrom",
	"scim-operator-allow-metrics-traffic":   "metricsFrom",
}

// peersFromValues renders a NetworkPolicy with the peers it admits taken
// from values: the edge in front of the SCIM port differs per cluster.
func peersFromValues(o *unstructured.Unstructured) (string, error) {
	value := policyPeers[o.GetName()]
	rules, _, _ := unstructured.NestedSlice(o.Object, "spec", "ingress")
	if value == "" || len(rules) != 1 {
		return "", errors.New("the generator knows no such NetworkPolicy: update policyPeers")
	}
	rules[0].(map[string]any)["from"] = "__FROM__"
	if err := unstructured.SetNestedSlice(o.Object, rules, "spec", "ingress"); err != nil {
		return "", fmt.Errorf("set the peers: %w", err)
	}
	b, err := render(o)
	if err != nil {
		return "", err
	}
	t := &templater{b: b}
	t.once("- from: __FROM__", "- from:", "  {{- toYaml .Values.networkPolicy."+value+" | nindent __INDENT2__ }}")
	if value == "scimFrom" {
		b = "{{- if not .Values.networkPolicy.scimFrom }}\n" +
			"{{- fail \"networkPolicy.scimFrom must name the pods that forward SCIM requests (your ingress controller's or gateway's) when networkPolicy.enable is true\" }}\n" +
			"{{- end }}\n"
		t.b = b + t.b
	}
	return t.b, t.err
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

var (
	objectName = regexp.MustCompile(`(?m)^(\s*(?:- )?(?:name|serviceAccountName): )scim-operator-`)
	appName    = regexp.MustCompile(`(?m)^(\s*app\.kubernetes\.io/name: )scim-operator$`)
)

// names makes the names kustomize gives the objects the release's: one
// prefix for every object, nameOverride for the app label, so that two
// releases' cluster-scoped objects do not collide.
func names(b string) string {
	b = objectName.ReplaceAllString(b, `${1}{{ include "scim-operator.fullname" $ }}-`)
	return appName.ReplaceAllString(b, `${1}{{ include "scim-operator.name" $ }}`)
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
	phImage          = "__IMAGE__"
	phPullPolicy     = "__PULL_POLICY__"
	phReplicas       = 987654321
	phResources      = "__RESOURCES__"
	phArgs           = "__ARGS__"
	phEnv            = "__EXTRA_ENV__"
	phMounts         = "__MOUNTS__"
	phPod            = "__POD__"
	phPodLabels      = "__POD_LABELS__"
	phPodAnnotations = "__POD_ANNOTATIONS__"
)

// deployment templates d: image, replicas and resources from values, the
// flags values decide, where its pods are scheduled, and what they mount.
func deployment(d *appsv1.Deployment, values *valuesFile) (string, error) {
	key := component(d)
	pod := &d.Spec.Template.Spec
	c := &pod.Containers[0]
	values.add(key, *d.Spec.Replicas, c.Resources, c.Image)
	if len(d.Spec.Template.Annotations) > 0 || len(c.VolumeMounts) > 0 || len(pod.Volumes) > 0 ||
		pod.Affinity != nil || pod.NodeSelector != nil || pod.Tolerations != nil || pod.PriorityClassName != "" {
		return "", errors.New("the Deployment sets pod fields the chart takes from values: keep them out of config/manager or teach hack/chart to merge them")
	}
	var spread []string
	if len(pod.TopologySpreadConstraints) > 0 {
		b, err := yaml.Marshal(pod.TopologySpreadConstraints)
		if err != nil {
			return "", fmt.Errorf("render the topology spread constraints: %w", err)
		}
		spread = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}

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
	c.Env = append(c.Env, corev1.EnvVar{Name: phEnv})
	c.WorkingDir = phMounts
	pod.TopologySpreadConstraints = nil
	pod.SchedulerName = phPod
	d.Spec.Template.Labels[phPodLabels] = "x"
	d.Spec.Template.Annotations = map[string]string{phPodAnnotations: "x"}
	b, err := render(d)
	if err != nil {
		return "", err
	}
	v := ".Values." + key
	tls := key == "scimServer"
	argLines := []string{
		`- --metrics-bind-address={{ if .Values.metrics.enable }}:8443{{ else }}0{{ end }}`,
		`- --metrics-secure={{ .Values.metrics.secure }}`,
		`- --zap-log-level={{ .Values.logLevel }}`,
		`{{- with .Values.scim.baseURL }}`, `- --scim-base-url={{ . }}`, `{{- end }}`,
		`{{- with .Values.watchNamespaces }}`, `- --watch-namespaces={{ join "," . }}`, `{{- end }}`,
		// Both roles take the defaults: the server enforces them and the
		// reconcilers report them in each tenant's status.limits.
		`- --scim-tenant-rate={{ .Values.scim.tenantDefaults.requestsPerSecond }}`,
		`- --scim-tenant-burst={{ .Values.scim.tenantDefaults.burst }}`,
		`- --scim-tenant-concurrency={{ .Values.scim.tenantDefaults.maxInFlight }}`,
	}
	if tls {
		argLines = append(argLines, `- --scim-drain-delay={{ .Values.scim.drainDelay }}`,
			`{{- if .Values.scim.tls.enable }}`, `- --scim-tls-cert-dir=/etc/scim-tls`, `{{- end }}`)
	} else {
		argLines = append(argLines, `{{- if `+v+`.leaderElection }}`, `- --leader-elect`, `{{- end }}`)
	}
	argLines = append(argLines, `{{- range `+v+`.extraArgs }}`, `- {{ . | quote }}`, `{{- end }}`)
	mountsIf, volumesIf := v+".extraVolumeMounts", v+".extraVolumes"
	var tlsMount, tlsVolume []string
	if tls {
		mountsIf, volumesIf = "(or .Values.scim.tls.enable "+mountsIf+")", "(or .Values.scim.tls.enable "+volumesIf+")"
		tlsMount = []string{"{{- if .Values.scim.tls.enable }}", "- name: scim-tls", "  mountPath: /etc/scim-tls", "  readOnly: true", "{{- end }}"}
		tlsVolume = []string{"{{- if .Values.scim.tls.enable }}", "- name: scim-tls", "  secret:", `    secretName: {{ include "scim-operator.scimTLSSecret" $ }}`, "{{- end }}"}
	}
	podLines := append(withBlock("affinity", v+".affinity"), withBlock("imagePullSecrets", ".Values.imagePullSecrets")...)
	podLines = append(podLines, withBlock("nodeSelector", v+".nodeSelector")...)
	podLines = append(podLines, "{{- with "+v+".priorityClassName }}", "priorityClassName: {{ . }}", "{{- end }}")
	podLines = append(podLines, withBlock("tolerations", v+".tolerations")...)
	if spread == nil {
		podLines = append(podLines, withBlock("topologySpreadConstraints", v+".topologySpreadConstraints")...)
	} else {
		// Set, the value replaces the spread config/manager declares.
		podLines = append(podLines, "{{- if "+v+".topologySpreadConstraints }}", "topologySpreadConstraints:",
			"  {{- toYaml "+v+".topologySpreadConstraints | nindent __INDENT2__ }}", "{{- else }}", "topologySpreadConstraints:")
		podLines = append(podLines, spread...)
		podLines = append(podLines, "{{- end }}")
	}
	podLines = append(podLines, "{{- if "+volumesIf+" }}", "volumes:")
	podLines = append(podLines, tlsVolume...)
	podLines = append(podLines, "{{- with "+v+".extraVolumes }}", "{{- toYaml . | nindent __INDENT__ }}", "{{- end }}", "{{- end }}")
	mountLines := append([]string{"{{- if " + mountsIf + " }}", "volumeMounts:"}, tlsMount...)
	mountLines = append(mountLines, "{{- with "+v+".extraVolumeMounts }}", "{{- toYaml . | nindent __INDENT__ }}", "{{- end }}", "{{- end }}")

	// What a typed Deployment renders that kustomize's does not.
	for _, empty := range []string{"resources: {}", "strategy: {}", "status: {}", "creationTimestamp: null"} {
		b = replaceLines(b, empty, nil)
	}
	t := &templater{b: b}
	t.once("replicas: 987654321", "replicas: {{ "+v+".replicas }}")
	t.once("image: "+phImage, `image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"`)
	t.once("imagePullPolicy: "+phPullPolicy, "imagePullPolicy: {{ .Values.image.pullPolicy }}")
	t.once("terminationMessagePath: "+phResources, "resources:", "  {{- toYaml "+v+".resources | nindent __INDENT2__ }}")
	t.once("- "+phArgs, argLines...)
	t.once("- name: "+phEnv, "{{- with "+v+".extraEnv }}", "{{- toYaml . | nindent __INDENT__ }}", "{{- end }}")
	t.once("workingDir: "+phMounts, mountLines...)
	t.once("schedulerName: "+phPod, podLines...)
	t.once(phPodLabels+": x", "{{- with "+v+".podLabels }}", "{{- toYaml . | nindent __INDENT__ }}", "{{- end }}")
	t.once(phPodAnnotations + ": x")
	t.once("annotations:", withBlock("annotations", v+".podAnnotations")...)
	if t.err != nil {
		return "", t.err
	}
	if strings.Contains(t.b, "__") {
		return "", fmt.Errorf("a placeholder was left in the template:\n%s", t.b)
	}
	return t.b, nil
}

// withBlock renders key from value only where value is set.
func withBlock(key, value string) []string {
	return []string{"{{- with " + value + " }}", key + ":", "  {{- toYaml . | nindent __INDENT2__ }}", "{{- end }}"}
}

// templater replaces placeholder lines, each exactly once.
type templater struct {
	b   string
	err error
}

func (t *templater) once(old string, lines ...string) {
	n := 0
	for _, line := range strings.Split(t.b, "\n") {
		if strings.TrimLeft(line, " ") == old {
			n++
		}
	}
	if n != 1 {
		t.err = errors.Join(t.err, fmt.Errorf("the line %q is in the template %d times, not once", old, n))
		return
	}
	t.b = replaceLines(t.b, old, lines)
}

// replaceLines replaces each line whose content is old with lines,
// indented as it was. __INDENT__ is that indentation and __INDENT2__ that
// plus two, for nindent.
func replaceLines(b, old string, lines []string) string {
	var out []string
	for _, line := range strings.Split(b, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if trimmed != old {
			out = append(out, line)
			continue
		}
		indent := len(line) - len(trimmed)
		for _, l := range lines {
			l = strings.ReplaceAll(l, "__INDENT2__", fmt.Sprint(indent+2))
			out = append(out, strings.Repeat(" ", indent)+strings.ReplaceAll(l, "__INDENT__", fmt.Sprint(indent)))
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
