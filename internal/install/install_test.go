// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package install_test applies every way of installing the operator — each
// kustomize overlay, component and sample, and the Helm chart with its
// defaults and with every switch on — to a real API server with
// `kubectl apply --server-side --dry-run=server`, so that a manifest the
// API server would refuse fails the tests, not a platform team's rollout.
package install_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scim-operator/scim-operator/internal/manifest"
	"github.com/scim-operator/scim-operator/internal/testenv"
)

// root is the repository, from this package's directory.
var root = filepath.Join("..", "..")

// tool is the path of a binary the Makefile installs and names in env.
func tool(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: run the tests with 'make test', which installs kustomize and helm into bin/", env)
	}
	return path
}

func TestEveryInstallPathAppliesToARealAPIServer(t *testing.T) {
	kustomize, helm := tool(t, "KUSTOMIZE"), tool(t, "HELM")
	kubectl := os.Getenv("KUBECTL")
	if kubectl == "" {
		kubectl = "kubectl"
	}
	auditLog := filepath.Join(t.TempDir(), "audit.log")
	env, err := testenv.Start(testenv.WithAuditPolicy(filepath.Join(root, "config", "audit", "policy.yaml"), auditLog))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx := t.Context()
	s := runtime.NewScheme()
	if err := errors.Join(corev1.AddToScheme(s), apiextensionsv1.AddToScheme(s)); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"scim-operator-system", "identities", "partners", "gateway", "monitoring"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := testenv.InstallForeignKinds(ctx, env.Config); err != nil {
		t.Fatal(err)
	}
	admin, err := env.ControlPlane.AddUser(envtest.User{Name: "installer", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigPath := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	apply := func(t *testing.T, manifests []byte) {
		t.Helper()
		cmd := exec.CommandContext(ctx, kubectl, "--kubeconfig", kubeconfigPath, "apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", "-")
		cmd.Stdin = bytes.NewReader(manifests)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kubectl apply --dry-run=server: %v\n%s", err, out)
		}
	}
	run := func(t *testing.T, name string, args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		return out
	}

	overlays := []string{
		"config/default", "config/namespaced", "config/production", "config/crd", "config/grafana",
		"config/samples", "config/samples/edge", "hack/chart", "internal/install/testdata/scim-tls",
	}
	t.Run("audit policy", func(t *testing.T) { checkAudit(t, c, auditLog) })
	for _, overlay := range overlays {
		t.Run("kustomize "+overlay, func(t *testing.T) {
			apply(t, run(t, kustomize, "build", filepath.Join(root, overlay)))
		})
	}
	chart := filepath.Join(root, "dist", "chart")
	t.Run("helm chart with its defaults", func(t *testing.T) {
		rendered := run(t, helm, "template", "scim-operator", chart, "--namespace", "scim-operator-system")
		apply(t, rendered)
		fromKustomize := kindsAndNames(t, run(t, kustomize, "build", filepath.Join(root, "config", "default")))
		fromKustomize = slices.DeleteFunc(fromKustomize, func(s string) bool { return strings.HasPrefix(s, "Namespace/") })
		if got := kindsAndNames(t, rendered); !slices.Equal(got, fromKustomize) {
			t.Errorf("the chart's defaults install other objects than config/default:\nchart:     %v\nkustomize: %v", got, fromKustomize)
		}
	})
	t.Run("helm chart with metrics over http and no leader election", func(t *testing.T) {
		rendered := run(t, helm, "template", "scim-operator", chart, "--namespace", "scim-operator-system",
			"--set", "metrics.secure=false", "--set", "controllerManager.leaderElection=false",
			"--set", "prometheus.serviceMonitor.enable=true", "--set", "prometheus.rules.enable=true")
		apply(t, rendered)
		monitoringAsServed(t, rendered)
	})
	t.Run("helm chart with every switch on", func(t *testing.T) {
		rendered := run(t, helm, "template", "scim-operator", chart, "--namespace", "scim-operator-system",
			"-f", filepath.Join(root, "hack", "chart", "testdata", "everything.yaml"))
		apply(t, rendered)
		rules := func(manifests []byte) any {
			for _, o := range decode(t, manifests) {
				if o.GetKind() == "PrometheusRule" {
					return o.Object["spec"]
				}
			}
			t.Fatal("no PrometheusRule rendered")
			return nil
		}
		shipped := rules(run(t, kustomize, "build", filepath.Join(root, "config", "production")))
		if !equality.Semantic.DeepEqual(rules(rendered), shipped) {
			t.Error("the chart's alerts differ from config/components/prometheus/rules.yaml")
		}
		for _, want := range []string{
			"--scim-base-url=https://scim.example.com", "--watch-namespaces=identities,partners", "--scim-tls-cert-dir=/etc/scim-tls",
			"--zap-log-level=debug", "--scim-tenant-rate=50", "--scim-tenant-burst=100", "--scim-tenant-concurrency=8",
			`"--scim-filter-timeout=500ms"`, `"--pprof-bind-address=127.0.0.1:6060"`,
		} {
			if !bytes.Contains(rendered, []byte(want)) {
				t.Errorf("the chart does not pass %s", want)
			}
		}
		checkNamesAndKnobs(t, decode(t, rendered))
	})
	t.Run("helm chart refuses values it does not declare", func(t *testing.T) {
		for _, tc := range []struct{ set, want string }{
			{"scimServer.replica=3", "additional properties 'replica' not allowed"},
			{"scimServer.replicas=two", "got string, want integer"},
			{"networkPolicy.ingressNamespaceLabels.a=b", "additional properties 'ingressNamespaceLabels' not allowed"},
			{"logLevel=verbose", "logLevel"},
			{"networkPolicy.enable=true", "networkPolicy.scimFrom must name the pods that forward SCIM requests"},
		} {
			out, err := exec.CommandContext(ctx, helm, "template", "scim-operator", chart, "--set", tc.set).CombinedOutput()
			if err == nil || !bytes.Contains(out, []byte(tc.want)) {
				t.Errorf("helm template --set %s: %v, want a failure saying %q:\n%s", tc.set, err, tc.want, out)
			}
		}
	})
}

// checkNamesAndKnobs checks the chart rendered with everything.yaml: every
// object it makes carries the fullnameOverride, no ClusterRole for
// identities is granted with watchNamespaces set, and the pod knobs reach
// both Deployments.
func checkNamesAndKnobs(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	deployments := map[string]*appsv1.Deployment{}
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			continue
		}
		if !strings.HasPrefix(o.GetName(), "idp-sync-") {
			t.Errorf("%s %s does not carry the fullnameOverride idp-sync", o.GetKind(), o.GetName())
		}
		if l := o.GetLabels()["app.kubernetes.io/name"]; l != "" && l != "scim" {
			t.Errorf("%s %s is labelled app.kubernetes.io/name=%s, want the nameOverride scim", o.GetKind(), o.GetName(), l)
		}
		switch o.GetKind() {
		case "ClusterRole":
			if o.GetName() == "idp-sync-controller-role" || o.GetName() == "idp-sync-server-role" {
				t.Errorf("with watchNamespaces set the chart still grants ClusterRole %s", o.GetName())
			}
		case "Deployment":
			d := &appsv1.Deployment{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, d); err != nil {
				t.Fatal(err)
			}
			deployments[d.Name] = d
		case "ServiceMonitor", "PrometheusRule":
			if o.GetLabels()["release"] != "kube-prometheus-stack" {
				t.Errorf("%s lacks the labels Prometheus selects it by: %v", o.GetKind(), o.GetLabels())
			}
		}
	}
	server, controllers := deployments["idp-sync-scim-server"], deployments["idp-sync-controller-manager"]
	if server == nil || controllers == nil {
		t.Fatalf("the Deployments are not both named by the fullnameOverride: %v", slices.Collect(maps.Keys(deployments)))
	}
	for _, d := range []*appsv1.Deployment{server, controllers} {
		pod := d.Spec.Template
		if pod.Labels["team"] != "platform" || pod.Labels["app.kubernetes.io/name"] != "scim" {
			t.Errorf("%s's pods are labelled %v", d.Name, pod.Labels)
		}
		if len(pod.Annotations) != 1 || len(pod.Spec.Containers[0].Env) != 2 || len(pod.Spec.ImagePullSecrets) != 1 {
			t.Errorf("%s's pods lack podAnnotations, extraEnv or imagePullSecrets: %v %v %v", d.Name, pod.Annotations, pod.Spec.Containers[0].Env, pod.Spec.ImagePullSecrets)
		}
	}
	if s := controllers.Spec.Template.Spec; s.PriorityClassName != "system-cluster-critical" || s.NodeSelector["kubernetes.io/os"] != "linux" || len(s.Tolerations) != 1 {
		t.Errorf("the controllers' pods lack priorityClassName, nodeSelector or tolerations: %q %v %v", s.PriorityClassName, s.NodeSelector, s.Tolerations)
	}
	s := server.Spec.Template.Spec
	if s.Affinity == nil || len(s.TopologySpreadConstraints) != 1 || s.TopologySpreadConstraints[0].WhenUnsatisfiable != corev1.DoNotSchedule {
		t.Errorf("the server's pods lack affinity, or the topologySpreadConstraints value did not replace the default: %v", s.TopologySpreadConstraints)
	}
	if len(s.Volumes) != 2 || len(s.Containers[0].VolumeMounts) != 2 {
		t.Errorf("the server's pods mount %v from %v, want the TLS Secret and the extra volume", s.Containers[0].VolumeMounts, s.Volumes)
	}
}

// monitoringAsServed renders the chart's monitoring with metrics over
// plain HTTP and no leader election, and checks that Prometheus would
// scrape what is served and not alert on a lease nobody takes.
func monitoringAsServed(t *testing.T, rendered []byte) {
	t.Helper()
	var endpoints []any
	var alerts []string
	for _, o := range decode(t, rendered) {
		switch o.GetKind() {
		case "ServiceMonitor":
			endpoints, _, _ = unstructured.NestedSlice(o.Object, "spec", "endpoints")
		case "PrometheusRule":
			groups, _, _ := unstructured.NestedSlice(o.Object, "spec", "groups")
			for _, g := range groups {
				rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
				for _, r := range rules {
					alerts = append(alerts, fmt.Sprint(r.(map[string]any)["alert"]))
				}
			}
		}
	}
	want := []any{map[string]any{"path": "/metrics", "port": "metrics", "scheme": "http"}}
	if !equality.Semantic.DeepEqual(endpoints, want) {
		t.Errorf("with metrics.secure=false the ServiceMonitor scrapes %v, want %v", endpoints, want)
	}
	if len(alerts) == 0 || slices.Contains(alerts, "ScimControllerNoLeader") {
		t.Errorf("with leader election off the alerts are %v, want them without ScimControllerNoLeader", alerts)
	}
}

// checkAudit writes what the operator writes and reads the audit log the
// shipped policy makes of it.
func checkAudit(t *testing.T, c client.Client, auditLog string) {
	ctx := t.Context()
	user := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "scim.provisioning.io/v1alpha1", "kind": "ScimUser",
		"metadata": map[string]any{"namespace": "identities", "name": "audited", "annotations": map[string]any{
			"scim.provisioning.io/last-action": "UserCreated", "scim.provisioning.io/last-request-id": "entra-7f3a",
		}},
		"spec": map[string]any{"tenantRef": map[string]any{"name": "acme"}, "userName": "audited@example.com"},
	}}
	if err := c.Create(ctx, user); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "identities", Name: "acme-token"}, StringData: map[string]string{"token": "never-in-the-log-0123456789abcdef"}}
	if err := c.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(user), user); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("never-in-the-log")) {
		t.Error("the audit log holds a Secret's data")
	}
	found := false
	for _, line := range bytes.Split(data, []byte("\n")) {
		var event struct {
			Level     string `json:"level"`
			Verb      string `json:"verb"`
			ObjectRef *struct {
				Resource string `json:"resource"`
				Name     string `json:"name"`
			} `json:"objectRef"`
			RequestObject json.RawMessage `json:"requestObject"`
		}
		if json.Unmarshal(line, &event) != nil || event.ObjectRef == nil {
			continue
		}
		switch {
		case event.Verb == "get" || event.Verb == "list" || event.Verb == "watch":
			t.Errorf("the policy records a %s of %s", event.Verb, event.ObjectRef.Resource)
		case event.ObjectRef.Resource == "scimusers" && event.ObjectRef.Name == "audited" && event.Verb == "create":
			found = event.Level == "RequestResponse" && bytes.Contains(event.RequestObject, []byte(`"scim.provisioning.io/last-request-id":"entra-7f3a"`))
		}
	}
	if !found {
		t.Errorf("no RequestResponse event of the user's create with its request id in:\n%s", data)
	}
}

func decode(t *testing.T, manifests []byte) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifest.Decode(manifests)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func kindsAndNames(t *testing.T, manifests []byte) []string {
	var out []string
	for _, o := range decode(t, manifests) {
		out = append(out, fmt.Sprintf("%s/%s", o.GetKind(), o.GetName()))
	}
	slices.Sort(out)
	return out
}
