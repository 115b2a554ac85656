// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package docs_test runs the commands the README, docs/gitops.md and
// docs/troubleshooting.md tell people to run, against the operator `make
// demo` starts, so that a command the docs show cannot drift from what
// the operator and the plugin do. Every shell block says above it whether
// it is run (<!-- docs: run -->, with "exits N" when it is meant to fail),
// or why it cannot be here (<!-- docs: not run: why -->); a block that
// says neither fails the test. YAML blocks marked <!-- docs: apply --> are
// applied, and a HelmRelease's or an Application's chart values are
// rendered with dist/chart, whose schema checks them.
package docs_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/internal/manifest"
	"github.com/scim-operator/scim-operator/internal/testenv"
)

var root = filepath.Join("..", "..")

// block is a fenced code block of a document, with the marker above it.
type block struct {
	file   string
	line   int
	lang   string
	marker string
	body   string
}

var markerRE = regexp.MustCompile(`^\s*<!-- docs: (.*) -->\s*$`)

// blocks reads the fenced blocks of a Markdown file.
func blocks(t *testing.T, file string) []block {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []block
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(fence, "```") {
			continue
		}
		b := block{file: file, line: i + 1, lang: strings.TrimPrefix(fence, "```")}
		if i > 0 {
			if m := markerRE.FindStringSubmatch(lines[i-1]); m != nil {
				b.marker = m[1]
			}
		}
		indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, strings.TrimPrefix(lines[i], strings.Repeat(" ", indent)))
		}
		b.body = strings.Join(body, "\n") + "\n"
		out = append(out, b)
	}
	return out
}

// demo is `make demo`'s operator, running for the test.
type demo struct {
	env map[string]string
	bin string
}

func startDemo(t *testing.T) *demo {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run the tests with 'make test'")
	}
	for _, tool := range []string{"kubectl", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the docs' commands need %s on the PATH", tool)
		}
	}
	bin := t.TempDir()
	for _, cmd := range []string{"demo", "kubectl-scim"} {
		build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(bin, cmd), "./cmd/"+cmd)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", cmd, err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.Command(filepath.Join(bin, "demo")) //nolint:gosec // built just above
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DEMO_ADDR="+addr)
	cmd.Stderr = testWriter{t}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			t.Logf("the demo stopped: %v", err)
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Error("the demo did not stop within a minute of Ctrl-C")
		}
	})
	env := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for len(env) < 4 && lines.Scan() {
		if k, v, ok := strings.Cut(lines.Text(), "="); ok {
			env[k] = v
		}
	}
	for _, k := range []string{"KUBECONFIG", "SCIM_URL", "SCIM_TOKEN", "AUDIT_LOG"} {
		if env[k] == "" {
			t.Fatalf("the demo printed no %s: %v", k, env)
		}
	}
	go func() {
		for lines.Scan() {
		}
	}()
	env["PATH"] = bin + string(os.PathListSeparator) + os.Getenv("PATH")
	return &demo{env: env, bin: bin}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sh runs script with bash as a person who pasted the demo's lines would,
// and returns its exit code and output.
func (d *demo) sh(ctx context.Context, script string) (int, string) {
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = root
	cmd.Env = os.Environ()
	for k, v := range d.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		return -1, err.Error()
	}
	return 0, string(out)
}

// run runs or applies the blocks of file as their markers say.
func (d *demo) run(t *testing.T, file string, applied func(*unstructured.Unstructured)) {
	for _, b := range blocks(t, file) {
		where := fmt.Sprintf("%s:%d", b.file, b.line)
		isShell := b.lang == "sh" || b.lang == "bash"
		switch {
		case strings.HasPrefix(b.marker, "not run: "):
			t.Logf("%s not run: %s", where, strings.TrimPrefix(b.marker, "not run: "))
		case isShell && (b.marker == "run" || strings.HasPrefix(b.marker, "run, exits ")):
			want := 0
			if n, ok := strings.CutPrefix(b.marker, "run, exits "); ok {
				want, _ = strconv.Atoi(n)
			}
			code, out := d.sh(t.Context(), b.body)
			t.Logf("%s:\n%s", where, out)
			if code != want {
				t.Errorf("%s exits %d, want %d:\n%s\n%s", where, code, want, b.body, out)
			}
		case b.lang == "yaml" && b.marker == "apply":
			d.apply(t, where, b.body, applied)
		case isShell:
			t.Errorf("%s: a shell block says neither <!-- docs: run --> nor <!-- docs: not run: why -->", where)
		case b.marker != "":
			t.Errorf("%s: marker %q does not fit a %q block", where, b.marker, b.lang)
		}
	}
}

// apply applies a YAML block with kubectl, as a person (or Flux, or Argo
// CD) would.
func (d *demo) apply(t *testing.T, where, manifests string, applied func(*unstructured.Unstructured)) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "block.yaml")
	if err := os.WriteFile(file, []byte(manifests), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := d.sh(t.Context(), "kubectl apply --server-side -f "+file)
	if code != 0 {
		t.Errorf("%s does not apply:\n%s", where, out)
		return
	}
	objs, err := manifest.Decode([]byte(manifests))
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	for _, o := range objs {
		applied(o)
	}
}

func TestTheDocsCommandsRun(t *testing.T) {
	d := startDemo(t)

	t.Run("README.md", func(t *testing.T) { d.run(t, "README.md", func(*unstructured.Unstructured) {}) })

	t.Run("docs/gitops.md", func(t *testing.T) {
		cfg, err := clientcmd.BuildConfigFromFlags("", d.env["KUBECONFIG"])
		if err != nil {
			t.Fatal(err)
		}
		// What Flux, Argo CD and External Secrets bring: their kinds and
		// namespaces. The docs bring everything else.
		err = testenv.InstallForeignKinds(t.Context(), cfg,
			testenv.ForeignKind{Group: "source.toolkit.fluxcd.io", Kind: "GitRepository", Plural: "gitrepositories"},
			testenv.ForeignKind{Group: "helm.toolkit.fluxcd.io", Kind: "HelmRelease", Plural: "helmreleases", Version: "v2"},
			testenv.ForeignKind{Group: "kustomize.toolkit.fluxcd.io", Kind: "Kustomization", Plural: "kustomizations"},
			testenv.ForeignKind{Group: "argoproj.io", Kind: "Application", Plural: "applications", Version: "v1alpha1"},
			testenv.ForeignKind{Group: "external-secrets.io", Kind: "ExternalSecret", Plural: "externalsecrets"})
		if err != nil {
			t.Fatal(err)
		}
		if code, out := d.sh(t.Context(), "kubectl create namespace flux-system && kubectl create namespace argocd"); code != 0 {
			t.Fatal(out)
		}
		// The namespaces the docs' objects live in are the docs' to create,
		// but for the GitOps tools' own: a repository applied to a new
		// cluster has nothing else.
		made := map[string]bool{"flux-system": true, "argocd": true}
		var used []string
		d.run(t, "docs/gitops.md", func(o *unstructured.Unstructured) {
			if o.GetKind() == "Namespace" {
				made[o.GetName()] = true
			}
			if ns := o.GetNamespace(); ns != "" {
				used = append(used, o.GetKind()+" "+o.GetName()+" in "+ns)
				if !made[ns] {
					t.Errorf("%s %s lives in namespace %s, which no object before it creates", o.GetKind(), o.GetName(), ns)
				}
			}
			d.renderChartValues(t, o)
		})
		if len(used) < 8 {
			t.Errorf("applied %d namespaced objects of docs/gitops.md: %v; the test reads them wrong", len(used), used)
		}
	})

	t.Run("docs/troubleshooting.md", func(t *testing.T) { d.runInline(t, "docs/troubleshooting.md") })
}

// renderChartValues renders dist/chart with the values a HelmRelease or
// an Argo CD Application gives it: the chart's schema refuses a value it
// does not declare.
func (d *demo) renderChartValues(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	var values map[string]any
	switch o.GetKind() {
	case "HelmRelease":
		values, _, _ = unstructured.NestedMap(o.Object, "spec", "values")
	case "Application":
		if path, _, _ := unstructured.NestedString(o.Object, "spec", "source", "path"); path != "dist/chart" {
			return
		}
		values, _, _ = unstructured.NestedMap(o.Object, "spec", "source", "helm", "valuesObject")
	default:
		return
	}
	helm := os.Getenv("HELM")
	if helm == "" {
		t.Fatal("HELM is not set: run the tests with 'make test'")
	}
	file := filepath.Join(t.TempDir(), "values.yaml")
	b, err := yaml.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), helm, "template", "scim-operator", filepath.Join(root, "dist", "chart"), "-f", file).CombinedOutput()
	if err != nil {
		t.Errorf("the values of %s %s do not render with dist/chart: %v\n%s", o.GetKind(), o.GetName(), err, out)
	}
	if tag, _, _ := unstructured.NestedString(values, "image", "tag"); tag == "" {
		t.Errorf("%s %s does not pin the image", o.GetKind(), o.GetName())
	}
}

// placeholders stand for what the troubleshooting table's commands name,
// in the demo: its tenant, its token Secret, and the user the README
// created.
func (d *demo) placeholders(t *testing.T) *strings.Replacer {
	t.Helper()
	code, id := d.sh(t.Context(), "kubectl get scimusers -o jsonpath='{.items[0].metadata.name}'")
	if code != 0 || id == "" {
		t.Fatalf("no user to name: %s", id)
	}
	return strings.NewReplacer(
		"get scimtenant <name>", "get scimtenant demo",
		"get secret <name>", "get secret demo-scim-token",
		"<namespace>", "default", "<tenant>", "demo", "<id>", id,
	)
}

// notHere are the troubleshooting commands that need what a local control
// plane has not, and why.
var notHere = map[string]string{
	"kubectl describe certificate": "needs cert-manager; the chart's Certificate is applied by internal/install",
	"kubectl scim token rotate":    "rotates the demo's token; the plugin's token specs run it",
	"kubectl scim restore user":    "needs a user deleted over SCIM; the plugin's restore specs run it",
	"kubectl scim history user":    "reads the operator pods' logs, and the demo runs no pods; the README runs it on the demo's trail",
}

var inlineRE = regexp.MustCompile("`(kubectl [^`]+)`")

// runInline runs the commands a file names in code spans, with its
// placeholders filled in from the demo.
func (d *demo) runInline(t *testing.T, file string) {
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	placeholders := d.placeholders(t)
	seen := map[string]bool{}
	for _, m := range inlineRE.FindAllStringSubmatch(string(data), -1) {
		command := strings.Join(strings.Fields(strings.ReplaceAll(m[1], `\|`, "|")), " ")
		if seen[command] {
			continue
		}
		seen[command] = true
		skipped := false
		for prefix, why := range notHere {
			if strings.HasPrefix(command, prefix) {
				t.Logf("%s: %q not run: %s", file, command, why)
				skipped = true
			}
		}
		if skipped {
			continue
		}
		script := placeholders.Replace(command)
		if strings.Contains(script, "<") {
			t.Errorf("%s: %q names a placeholder the test does not fill", file, command)
			continue
		}
		code, out := d.sh(t.Context(), script)
		t.Logf("%s: %s\n%s", file, script, out)
		if code != 0 {
			t.Errorf("%s: %q exits %d:\n%s", file, script, code, out)
		}
	}
	if len(seen) < 10 {
		t.Errorf("%s names %d commands; the test reads them wrong", file, len(seen))
	}
}
