// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/tsdb"
	"sigs.k8s.io/yaml"
)

// step is both the scrape and the rule evaluation interval of a timeline.
const step = 30 * time.Second

// segment is one scrape, served for a while.
type segment struct {
	file  string
	lasts time.Duration
}

// parseTimeline reads "a.prom=11m,b.prom=2m": each scrape file served for
// its duration, one after the other.
func parseTimeline(s string) ([]segment, error) {
	var out []segment
	for _, part := range strings.Split(s, ",") {
		file, d, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("timeline part %q is not file=duration", part)
		}
		dur, err := model.ParseDuration(d)
		if err != nil {
			return nil, fmt.Errorf("timeline part %q: %w", part, err)
		}
		out = append(out, segment{file: file, lasts: time.Duration(dur)})
	}
	return out, nil
}

// evalAlert runs the alert named alert of rulesFile as Prometheus would:
// its expression evaluated every step over a real TSDB holding the
// timeline's scrapes, with its for: hold. After each segment it writes one
// line per active alert, "<file> <elapsed> <state> <labels>", or
// "<file> <elapsed> inactive".
func evalAlert(out io.Writer, rulesFile, alert, timeline string) error {
	segments, err := parseTimeline(timeline)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		return fmt.Errorf("read rules: %w", err)
	}
	var pr prometheusRule
	if err := yaml.Unmarshal(raw, &pr); err != nil {
		return fmt.Errorf("%s: %w", rulesFile, err)
	}
	var found *rule
	for _, g := range pr.Spec.Groups {
		for i := range g.Rules {
			if g.Rules[i].Alert == alert {
				found = &g.Rules[i]
			}
		}
	}
	if found == nil {
		return fmt.Errorf("%s has no alert %s", rulesFile, alert)
	}
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(found.Expr)
	if err != nil {
		return fmt.Errorf("parse %q: %w", found.Expr, err)
	}
	var hold model.Duration
	if found.For != "" {
		if hold, err = model.ParseDuration(found.For); err != nil {
			return fmt.Errorf("for: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "promcheck-")
	if err != nil {
		return fmt.Errorf("create the TSDB directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	quiet := slog.New(slog.DiscardHandler)
	db, err := tsdb.Open(dir, quiet, nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		return fmt.Errorf("open a TSDB: %w", err)
	}
	defer func() { _ = db.Close() }()
	engine := promql.NewEngine(promql.EngineOpts{Logger: quiet, MaxSamples: 10_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	ar := rules.NewAlertingRule(alert, expr, time.Duration(hold), 0, labels.FromMap(found.Labels), labels.FromMap(found.Annotations),
		labels.EmptyLabels(), "", false, quiet)
	query := rules.EngineQueryFunc(engine, db)

	ctx := context.Background()
	start := time.Unix(1_800_000_000, 0)
	now := start
	for _, seg := range segments {
		samples, err := readScrape(seg.file)
		if err != nil {
			return err
		}
		for end := now.Add(seg.lasts); now.Before(end); now = now.Add(step) {
			app := db.Appender(ctx)
			for _, s := range samples {
				if _, err := app.Append(0, s.labels, now.UnixMilli(), s.value); err != nil {
					return fmt.Errorf("append %s: %w", s.labels, err)
				}
			}
			if err := app.Commit(); err != nil {
				return fmt.Errorf("commit a scrape: %w", err)
			}
			if _, err := ar.Eval(ctx, 0, now, query, nil, 0); err != nil {
				return fmt.Errorf("evaluate %s: %w", alert, err)
			}
		}
		elapsed := now.Sub(start)
		active := ar.ActiveAlerts()
		if len(active) == 0 {
			_, _ = fmt.Fprintf(out, "%s %s inactive\n", seg.file, elapsed)
		}
		for _, a := range active {
			_, _ = fmt.Fprintf(out, "%s %s %s %s\n", seg.file, elapsed, a.State, a.Labels)
		}
	}
	return nil
}

type sample struct {
	labels labels.Labels
	value  float64
}

// readScrape reads the gauges, counters and untyped samples of a metrics
// scrape in the text format.
func readScrape(file string) ([]sample, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("open scrape: %w", err)
	}
	defer func() { _ = f.Close() }()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(f)
	if err != nil {
		return nil, fmt.Errorf("parse scrape %s: %w", file, err)
	}
	var out []sample
	for name, fam := range families {
		for _, m := range fam.GetMetric() {
			var v float64
			switch fam.GetType() {
			case dto.MetricType_GAUGE:
				v = m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				v = m.GetCounter().GetValue()
			case dto.MetricType_UNTYPED:
				v = m.GetUntyped().GetValue()
			default:
				continue
			}
			b := labels.NewBuilder(labels.EmptyLabels()).Set(labels.MetricName, name)
			for _, l := range m.GetLabel() {
				b.Set(l.GetName(), l.GetValue())
			}
			out = append(out, sample{labels: b.Labels(), value: v})
		}
	}
	return out, nil
}
