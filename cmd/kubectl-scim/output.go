// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"

	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"
)

// Output formats, as kubectl names them.
const (
	outputTable         = "table"
	outputWide          = "wide"
	outputName          = "name"
	outputJSON          = "json"
	outputYAML          = "yaml"
	outputJSONPath      = "jsonpath"
	outputCustomColumns = "custom-columns"
)

// checkOutput parses -o as kubectl does.
func (o *options) checkOutput() error {
	format, arg, _ := strings.Cut(o.output, "=")
	switch format {
	case "", outputTable:
		o.format = outputTable
	case outputWide, outputName, outputJSON, outputYAML:
		o.format = format
	case outputJSONPath, outputCustomColumns:
		if arg == "" {
			return fmt.Errorf("-o %s needs a template: -o %s=TEMPLATE", format, format)
		}
		o.format = format
		var err error
		if format == outputCustomColumns {
			o.columns, err = parseColumns(arg)
		} else {
			o.jsonPath, err = parseJSONPath(arg)
		}
		return err
	default:
		return fmt.Errorf("unknown output format %q: use wide, name, json, yaml, jsonpath=TEMPLATE or custom-columns=SPEC", o.output)
	}
	return nil
}

// table is rows of cells under a header, written aligned.
type table struct {
	header []string
	rows   [][]string
	// wide is how many of the last columns only -o wide shows.
	wide int
	// kind and names are what -o name prints: kind/name for each row;
	// empty kind when the rows are no objects.
	kind  string
	names []string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// addObject adds the row of an object named name.
func (t *table) addObject(name string, cells ...string) {
	t.add(cells...)
	t.names = append(t.names, name)
}

// print writes what a listing command found: the table, the objects'
// names, or the rows (values) as JSON or YAML, or through a JSONPath
// template or custom columns, which see them as a list's items.
func (o *options) print(t *table, values any) error {
	switch o.format {
	case outputTable:
		return writeTable(o.Out, t.narrow(), o.noHeaders)
	case outputWide:
		return writeTable(o.Out, t, o.noHeaders)
	case outputName:
		if t.kind == "" {
			return fmt.Errorf("-o name prints objects' names, and this command lists no objects: use -o json or -o jsonpath")
		}
		for _, n := range t.names {
			if _, err := fmt.Fprintf(o.Out, "%s/%s\n", t.kind, n); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
		return nil
	case outputJSONPath, outputCustomColumns:
		items, err := generic(values)
		if err != nil {
			return err
		}
		if o.format == outputCustomColumns {
			list, _ := items.([]any)
			return o.writeColumns(list)
		}
		return o.writeJSONPath(map[string]any{"kind": "List", "items": items})
	}
	return o.encode(o.format, values)
}

// printObject writes one object: JSON unless YAML or a JSONPath template
// is asked for.
func (o *options) printObject(v any) error {
	switch o.format {
	case outputYAML:
		return o.encode(outputYAML, v)
	case outputJSONPath:
		obj, err := generic(v)
		if err != nil {
			return err
		}
		return o.writeJSONPath(obj)
	case outputName, outputCustomColumns:
		return fmt.Errorf("-o %s is for lists; use -o json, yaml or jsonpath", o.format)
	}
	return o.encode(outputJSON, v)
}

// encode writes v as JSON or YAML.
func (o *options) encode(format string, v any) error {
	var b []byte
	var err error
	if format == outputYAML {
		b, err = yaml.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
		b = append(b, '\n')
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	if _, err := o.Out.Write(b); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// generic is v as JSON values, what a JSONPath template walks.
func generic(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return out, nil
}

// parseJSONPath parses a template as kubectl does: a bare path is wrapped
// in braces, and missing keys print nothing.
func parseJSONPath(tmpl string) (*jsonpath.JSONPath, error) {
	if !strings.Contains(tmpl, "{") {
		tmpl = "{" + tmpl + "}"
	}
	jp := jsonpath.New("output").AllowMissingKeys(true)
	if err := jp.Parse(tmpl); err != nil {
		return nil, fmt.Errorf("parse JSONPath template %q: %w", tmpl, err)
	}
	return jp, nil
}

func (o *options) writeJSONPath(data any) error {
	if err := o.jsonPath.Execute(o.Out, data); err != nil {
		return fmt.Errorf("execute JSONPath template: %w", err)
	}
	return nil
}

type column struct {
	header string
	path   *jsonpath.JSONPath
}

// parseColumns parses HEADER:JSONPATH,... as kubectl's custom-columns.
func parseColumns(spec string) ([]column, error) {
	var cols []column
	for _, part := range strings.Split(spec, ",") {
		header, path, ok := strings.Cut(part, ":")
		if !ok || header == "" || path == "" {
			return nil, fmt.Errorf("custom column %q is not HEADER:JSONPATH", part)
		}
		jp, err := parseJSONPath(path)
		if err != nil {
			return nil, err
		}
		cols = append(cols, column{header: header, path: jp})
	}
	return cols, nil
}

func (o *options) writeColumns(items []any) error {
	t := &table{}
	for _, c := range o.columns {
		t.header = append(t.header, c.header)
	}
	for _, item := range items {
		cells := make([]string, len(o.columns))
		for i, c := range o.columns {
			results, err := c.path.FindResults(item)
			if err != nil {
				return fmt.Errorf("custom column %s: %w", c.header, err)
			}
			var values []string
			for _, r := range results {
				for _, v := range r {
					var b bytes.Buffer
					if err := c.path.PrintResults(&b, []reflect.Value{v}); err != nil {
						return fmt.Errorf("custom column %s: %w", c.header, err)
					}
					values = append(values, b.String())
				}
			}
			cells[i] = orNone(strings.Join(values, ","))
		}
		t.add(cells...)
	}
	return writeTable(o.Out, t, o.noHeaders)
}

// narrow is the table without the columns only -o wide shows.
func (t *table) narrow() *table {
	if t.wide == 0 {
		return t
	}
	out := &table{header: t.header[:len(t.header)-t.wide]}
	for _, r := range t.rows {
		out.rows = append(out.rows, r[:len(r)-t.wide])
	}
	return out
}

func writeTable(w io.Writer, t *table, noHeaders bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	if !noHeaders {
		_, _ = fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	}
	for _, r := range t.rows {
		_, _ = fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
