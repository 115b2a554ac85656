// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Command promcheck checks the shipped alerts and dashboard as promtool
// would: every PromQL expression parses, every alert has a valid duration,
// a severity and a runbook. It prints the metric names they read, one a
// line, for the operator's tests to match with the metrics it exports.
// With -alert it evaluates one alert, as Prometheus's rule manager does,
// over scrapes of the operator's metrics the tests write.
//
// It is a module of its own so that Prometheus's dependencies stay out of
// the operator's.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// grafanaVariables stand in for the dashboard's variables, as Grafana
// substitutes them before a query reaches Prometheus.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$tenant", ".*", "${datasource}", "prometheus")

type rule struct {
	Alert       string            `json:"alert"`
	Record      string            `json:"record"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type prometheusRule struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []rule `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

type dashboard struct {
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func main() {
	rulesFile := flag.String("rules", "", "PrometheusRule YAML to check")
	dashboardFile := flag.String("dashboard", "", "Grafana dashboard JSON to check")
	alert := flag.String("alert", "", "Evaluate this alert of -rules over -timeline instead of checking")
	timeline := flag.String("timeline", "", "Scrapes in the text format, each served for a duration: a.prom=11m,b.prom=2m")
	flag.Parse()
	if *alert != "" {
		if err := evalAlert(os.Stdout, *rulesFile, *alert, *timeline); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	names := map[string]bool{}
	var errs []error
	if *rulesFile != "" {
		errs = append(errs, checkRules(*rulesFile, names)...)
	}
	if *dashboardFile != "" {
		errs = append(errs, checkDashboard(*dashboardFile, names)...)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		fmt.Println(n)
	}
}

func checkRules(file string, names map[string]bool) []error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return []error{err}
	}
	var pr prometheusRule
	if err := yaml.UnmarshalStrict(raw, &pr); err != nil {
		return []error{fmt.Errorf("%s: %w", file, err)}
	}
	var errs []error
	count := 0
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			count++
			where := fmt.Sprintf("%s: group %s rule %s%s", file, g.Name, r.Alert, r.Record)
			if err := collect(r.Expr, names); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
			}
			if r.For != "" {
				if _, err := model.ParseDuration(r.For); err != nil {
					errs = append(errs, fmt.Errorf("%s: for: %w", where, err))
				}
			}
			if r.Alert == "" {
				continue
			}
			if !model.UTF8Validation.IsValidMetricName(r.Alert) {
				errs = append(errs, fmt.Errorf("%s: %q is not a valid alert name", where, r.Alert))
			}
			for _, want := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[want] == "" {
					errs = append(errs, fmt.Errorf("%s: no %s annotation", where, want))
				}
			}
			if r.Labels["severity"] == "" {
				errs = append(errs, fmt.Errorf("%s: no severity label", where))
			}
		}
	}
	if count == 0 {
		errs = append(errs, fmt.Errorf("%s: no rules", file))
	}
	return errs
}

func checkDashboard(file string, names map[string]bool) []error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return []error{err}
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		return []error{fmt.Errorf("%s: %w", file, err)}
	}
	var errs []error
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			errs = append(errs, fmt.Errorf("%s: panel %q has no query", file, p.Title))
		}
		for _, t := range p.Targets {
			if err := collect(grafanaVariables.Replace(t.Expr), names); err != nil {
				errs = append(errs, fmt.Errorf("%s: panel %q: %w", file, p.Title, err))
			}
		}
	}
	return errs
}

// collect parses expr and adds the metric names it selects to names.
func collect(expr string, names map[string]bool) error {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return fmt.Errorf("parse %q: %w", expr, err)
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name != "" {
			names[name] = true
		}
		return nil
	})
	return nil
}
