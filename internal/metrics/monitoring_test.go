// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package metrics

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/yaml"
)

var (
	rulesFile     = filepath.Join("..", "..", "config", "components", "prometheus", "rules.yaml")
	dashboardFile = filepath.Join("..", "..", "config", "grafana", "scim-operator.json")
)

// fromControllerRuntime are the metrics controller-runtime exports that
// the alerts and the dashboard read.
var fromControllerRuntime = map[string]bool{
	"controller_runtime_reconcile_errors_total": true,
	"leader_election_master_status":             true,
}

// The shipped alerts and dashboard parse as PromQL (hack/promcheck, with
// Prometheus's own parser) and read only metrics the operator exports, so
// a renamed metric cannot leave an alert that never fires.
func TestAlertsAndDashboardReadExportedMetrics(t *testing.T) {
	rules, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	dashboard, err := filepath.Abs(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".", "-rules", rules, "-dashboard", dashboard)
	cmd.Dir = filepath.Join("..", "..", "hack", "promcheck")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/promcheck: %v\n%s", err, stderr.String())
	}
	exported := map[string]bool{}
	descs := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range collectors {
			c.Describe(descs)
		}
		close(descs)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			exported[m[1]] = true
		}
	}
	used := strings.Fields(string(out))
	if len(used) < 5 {
		t.Fatalf("promcheck found %d metrics in the alerts and dashboard: %q", len(used), used)
	}
	for _, name := range used {
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if trimmed, ok := strings.CutSuffix(name, suffix); ok && exported[trimmed] {
				base = trimmed
			}
		}
		if !exported[base] && !fromControllerRuntime[base] {
			t.Errorf("the alerts or the dashboard read %s, which the operator does not export", name)
		}
	}
}

// Every alert links a runbook section that exists.
func TestEveryAlertHasARunbook(t *testing.T) {
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Spec struct {
			Groups []struct {
				Rules []struct {
					Alert       string            `json:"alert"`
					Annotations map[string]string `json:"annotations"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	book, err := os.ReadFile(filepath.Join("..", "..", "docs", "runbooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	headings := map[string]bool{}
	for _, line := range strings.Split(string(book), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			headings[strings.ToLower(strings.TrimSpace(h))] = true
		}
	}
	alerts := 0
	for _, g := range rules.Spec.Groups {
		for _, r := range g.Rules {
			alerts++
			_, anchor, ok := strings.Cut(r.Annotations["runbook_url"], "docs/runbooks.md#")
			if !ok || anchor != strings.ToLower(r.Alert) || !headings[anchor] {
				t.Errorf("alert %s: runbook_url %q does not point at a '## %s' section of docs/runbooks.md", r.Alert, r.Annotations["runbook_url"], r.Alert)
			}
		}
	}
	if alerts < 6 {
		t.Fatalf("read %d alerts, want at least 6", alerts)
	}
}
