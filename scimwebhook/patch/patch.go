// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package patch parses SCIM PATCH requests (RFC 7644 section 3.5.2) and
// applies them to resources in their canonical SCIM JSON form.
package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// Operation names, canonical lower case; requests may use any case.
const (
	OpAdd     = "add"
	OpRemove  = "remove"
	OpReplace = "replace"
)

// MaxOperations bounds the operations of one request.
const MaxOperations = 1000

// Error is a PATCH request that cannot be applied.
type Error struct {
	ScimType schema.ScimType
	Detail   string
}

func (e *Error) Error() string { return e.Detail }

func errorf(scimType schema.ScimType, format string, args ...any) *Error {
	return &Error{ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// Operation is one PATCH operation.
type Operation struct {
	Op string
	// Path is nil for a path-less operation, whose Value is an object of
	// attribute paths and values.
	Path  *filter.Path
	Value any
	// Index is the operation's position in the request, for messages.
	Index int
	// implicit marks operations expanded from a path-less value.
	implicit bool
}

// Parse decodes a PatchOp message. Member names are matched
// case-insensitively, as Entra capitalises them.
func Parse(body []byte) ([]Operation, error) {
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, errorf(schema.ScimTypeInvalidSyntax, "the body is not a JSON object: %v", err)
	}
	var rawSchemas, rawOps json.RawMessage
	for k, v := range msg {
		switch strings.ToLower(k) {
		case "schemas":
			rawSchemas = v
		case "operations":
			rawOps = v
		}
	}
	if rawSchemas != nil {
		var schemas []string
		if err := json.Unmarshal(rawSchemas, &schemas); err != nil || !containsFold(schemas, schema.PatchOpURN) {
			return nil, errorf(schema.ScimTypeInvalidSyntax, "schemas must be [%q]", schema.PatchOpURN)
		}
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(rawOps, &raw); err != nil || len(raw) == 0 {
		return nil, errorf(schema.ScimTypeInvalidSyntax, "Operations must be a non-empty list of {op, path, value} objects")
	}
	if len(raw) > MaxOperations {
		return nil, errorf(schema.ScimTypeInvalidSyntax, "%d operations exceed the maximum of %d per request", len(raw), MaxOperations)
	}
	ops := make([]Operation, 0, len(raw))
	for i, r := range raw {
		op, err := parseOperation(i, r)
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func parseOperation(i int, r map[string]json.RawMessage) (Operation, error) {
	op := Operation{Index: i}
	var name, path string
	var hasValue bool
	for k, v := range r {
		var err error
		switch strings.ToLower(k) {
		case "op":
			err = json.Unmarshal(v, &name)
		case "path":
			err = json.Unmarshal(v, &path)
		case "value":
			hasValue = true
			d := json.NewDecoder(bytes.NewReader(v))
			err = d.Decode(&op.Value)
		default:
			return Operation{}, errorf(schema.ScimTypeInvalidSyntax, "operation %d: unknown member %q; an operation has op, path and value", i+1, k)
		}
		if err != nil {
			return Operation{}, errorf(schema.ScimTypeInvalidSyntax, "operation %d: invalid %q: %v", i+1, k, err)
		}
	}
	op.Op = strings.ToLower(name)
	switch op.Op {
	case OpAdd, OpReplace:
		if !hasValue {
			return Operation{}, errorf(schema.ScimTypeInvalidSyntax, "operation %d (%s) needs a value", i+1, op.Op)
		}
	case OpRemove:
	default:
		return Operation{}, errorf(schema.ScimTypeInvalidSyntax, "operation %d: op must be add, remove or replace, not %q", i+1, name)
	}
	if path != "" {
		p, err := filter.ParsePath(path)
		if err != nil {
			return Operation{}, errorf(schema.ScimTypeInvalidPath, "operation %d: invalid path: %v", i+1, err)
		}
		op.Path = &p
	} else if op.Op == OpRemove {
		return Operation{}, errorf(schema.ScimTypeNoTarget, "operation %d: remove needs a path", i+1)
	}
	return op, nil
}

// Expand turns a path-less operation into one operation per attribute of
// its value object, so every operation Apply sees has a path. Keys may be
// attribute names, dotted sub-attribute paths ("name.givenName"),
// URN-prefixed paths, or an extension URN holding an object of its
// attributes.
func Expand(ops []Operation, res *schema.Resource) ([]Operation, error) {
	out := make([]Operation, 0, len(ops))
	for _, op := range ops {
		if op.Path != nil {
			if !discarded(*op.Path, res) {
				out = append(out, op)
			}
			continue
		}
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return nil, errorf(schema.ScimTypeInvalidValue, "operation %d: a %s without a path needs an object value", op.Index+1, op.Op)
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			v := obj[key]
			if strings.EqualFold(key, "schemas") || res.IsDiscarded(key) {
				continue
			}
			if ext, ok := res.Extension(key); ok {
				m, ok := v.(map[string]any)
				if !ok {
					return nil, errorf(schema.ScimTypeInvalidValue, "operation %d: %q must be an object", op.Index+1, key)
				}
				for _, k := range slices.Sorted(maps.Keys(m)) {
					p := filter.Path{URN: ext.ID, Attr: k}
					out = append(out, Operation{Op: op.Op, Path: &p, Value: m[k], Index: op.Index})
				}
				continue
			}
			p, err := filter.ParsePath(key)
			if err != nil {
				return nil, errorf(schema.ScimTypeInvalidPath, "operation %d: invalid attribute %q: %v", op.Index+1, key, err)
			}
			out = append(out, Operation{Op: op.Op, Path: &p, Value: v, Index: op.Index, implicit: true})
		}
	}
	return out, nil
}

// discarded is whether a path names an attribute the resource accepts and
// never keeps (a password), which an operation on it leaves alone, with or
// without a path.
func discarded(p filter.Path, res *schema.Resource) bool {
	return (p.URN == "" || strings.EqualFold(p.URN, res.Core.ID)) && res.IsDiscarded(p.Attr)
}

// Apply applies expanded operations to doc, a resource in canonical SCIM
// JSON form, in order. On error doc may be partly changed: callers apply
// to a copy and keep it only on success, so a request takes effect whole
// or not at all.
func Apply(doc map[string]any, ops []Operation, res *schema.Resource) error {
	for _, op := range ops {
		if err := apply(doc, op, res); err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				return err
			}
			var ve *schema.ValueError
			if errors.As(err, &ve) {
				return errorf(ve.ScimType, "operation %d: %s", op.Index+1, ve.Detail)
			}
			return errorf(schema.ScimTypeInvalidValue, "operation %d: %v", op.Index+1, err)
		}
	}
	return nil
}

func apply(doc map[string]any, op Operation, res *schema.Resource) error {
	p := *op.Path
	r, err := filter.Resolve(p, res)
	if err != nil {
		return errorf(schema.ScimTypeInvalidPath, "operation %d: %v", op.Index+1, err)
	}
	if r.Attr.IsReadOnly() || (r.Sub != nil && r.Sub.IsReadOnly()) {
		if op.implicit {
			// Read-only attributes in a path-less value (Okta repeats the
			// group's id) are ignored, as in a POST or PUT body.
			return nil
		}
		return errorf(schema.ScimTypeMutability, "operation %d: %q is read-only", op.Index+1, p.String())
	}
	container := doc
	if r.Container != "" {
		ext, ok := doc[r.Container].(map[string]any)
		if !ok {
			if op.Op == OpRemove {
				return nil
			}
			ext = map[string]any{}
			doc[r.Container] = ext
		}
		container = ext
		defer func() {
			if len(ext) == 0 {
				delete(doc, r.Container)
			}
		}()
	}
	a := r.Attr
	switch {
	case p.Filter != nil:
		return applyFiltered(container, op, p, r)
	case r.Sub != nil && a.MultiValued:
		return applyEach(container, op, r)
	case r.Sub != nil:
		return applySub(container, op, r)
	default:
		return applyWhole(container, op, a)
	}
}

// applyWhole targets an attribute as a whole.
func applyWhole(container map[string]any, op Operation, a *schema.Attribute) error {
	if op.Op == OpRemove {
		if a.MultiValued && op.Value != nil {
			// Entra removes members by listing them as the value.
			return removeListed(container, op, a)
		}
		delete(container, a.Name)
		return nil
	}
	v, err := a.NormalizeValue(op.Value)
	if err != nil {
		return err
	}
	switch {
	case v == nil && op.Op == OpReplace:
		delete(container, a.Name)
	case v == nil:
	case a.MultiValued && op.Op == OpAdd:
		list, _ := container[a.Name].([]any)
		added := v.([]any)
		if slices.ContainsFunc(added, isPrimary) {
			// RFC 7643 section 2.4: a new primary value makes the others
			// not primary.
			for _, el := range list {
				if m, ok := el.(map[string]any); ok && isPrimary(m) {
					m["primary"] = false
				}
			}
		}
		for _, el := range added {
			i := indexOfElement(list, el, a)
			switch {
			case i < 0:
				list = append(list, el)
			case isPrimary(el):
				if m, ok := list[i].(map[string]any); ok {
					m["primary"] = true
				}
			}
		}
		container[a.Name] = list
	case a.Type == schema.TypeComplex && !a.MultiValued && op.Op == OpAdd:
		m, _ := container[a.Name].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		for k, sv := range v.(map[string]any) {
			m[k] = sv
		}
		container[a.Name] = m
	default:
		container[a.Name] = v
	}
	return nil
}

// removeListed removes the elements of a multi-valued attribute whose
// value is listed in op.Value.
func removeListed(container map[string]any, op Operation, a *schema.Attribute) error {
	v, err := a.NormalizeValue(op.Value)
	if err != nil {
		return err
	}
	listed, _ := v.([]any)
	list, _ := container[a.Name].([]any)
	kept := list[:0:0]
	for _, el := range list {
		if !containsElement(listed, el, a) {
			kept = append(kept, el)
		}
	}
	setList(container, a, kept)
	return nil
}

// applySub targets a sub-attribute of a single-valued complex attribute.
func applySub(container map[string]any, op Operation, r filter.Resolved) error {
	m, _ := container[r.Attr.Name].(map[string]any)
	if op.Op == OpRemove {
		if m != nil {
			delete(m, r.Sub.Name)
			if len(m) == 0 {
				delete(container, r.Attr.Name)
			}
		}
		return nil
	}
	v, err := r.Sub.NormalizeValue(op.Value)
	if err != nil {
		return err
	}
	if m == nil {
		m = map[string]any{}
	}
	if v == nil {
		delete(m, r.Sub.Name)
	} else {
		m[r.Sub.Name] = v
	}
	if len(m) == 0 {
		delete(container, r.Attr.Name)
	} else {
		container[r.Attr.Name] = m
	}
	return nil
}

// applyEach targets a sub-attribute of every element of a multi-valued
// attribute ("emails.value" without a filter).
func applyEach(container map[string]any, op Operation, r filter.Resolved) error {
	list, _ := container[r.Attr.Name].([]any)
	return updateElements(container, op, r, list)
}

// applyFiltered targets the elements a value filter selects. When add or
// replace selects none, the element is created from the filter's
// equalities: Entra sets addresses[type eq "work"].country on a user
// without a work address.
func applyFiltered(container map[string]any, op Operation, p filter.Path, r filter.Resolved) error {
	list, _ := container[r.Attr.Name].([]any)
	var selected []any
	for _, el := range list {
		if m, ok := el.(map[string]any); ok && filter.MatchesElement(p.Filter, m, r.Attr) {
			selected = append(selected, el)
		}
	}
	if op.Op == OpRemove && r.Sub == nil {
		kept := list[:0:0]
		for _, el := range list {
			if m, ok := el.(map[string]any); !ok || !filter.MatchesElement(p.Filter, m, r.Attr) {
				kept = append(kept, el)
			}
		}
		setList(container, r.Attr, kept)
		return nil
	}
	if len(selected) > 0 || op.Op == OpRemove {
		return updateElements(container, op, r, selected)
	}
	eqs, ok := filter.Equalities(p.Filter)
	if !ok {
		return errorf(schema.ScimTypeNoTarget, "operation %d: no element of %q matches %s, and the filter does not say how to create one", op.Index+1, r.Attr.Name, p.Filter)
	}
	el := map[string]any{}
	for k, v := range eqs {
		if sub, ok := r.Attr.Sub(k); ok {
			el[sub.Name] = v
		}
	}
	value := op.Value
	if r.Sub != nil {
		value = map[string]any{r.Sub.Name: op.Value}
	}
	nv, err := r.Attr.NormalizeValue(mergeInto(el, value))
	if err != nil {
		return err
	}
	if nv != nil {
		container[r.Attr.Name] = append(list, nv.([]any)...)
	}
	return nil
}

// updateElements changes the given elements (maps shared with the list in
// container) in place.
func updateElements(container map[string]any, op Operation, r filter.Resolved, elems []any) error {
	for _, el := range elems {
		m, ok := el.(map[string]any)
		if !ok {
			continue
		}
		switch {
		case op.Op == OpRemove:
			delete(m, r.Sub.Name)
		case r.Sub != nil:
			v, err := r.Sub.NormalizeValue(op.Value)
			if err != nil {
				return err
			}
			if v == nil {
				delete(m, r.Sub.Name)
			} else {
				m[r.Sub.Name] = v
			}
		default:
			obj, ok := op.Value.(map[string]any)
			if !ok {
				return errorf(schema.ScimTypeInvalidValue, "operation %d: %q elements are objects; the value must be one", op.Index+1, r.Attr.Name)
			}
			nv, err := r.Attr.NormalizeValue(mergeInto(copyMap(m), obj))
			if err != nil {
				return err
			}
			clear(m)
			if nv != nil {
				for k, v := range nv.([]any)[0].(map[string]any) {
					m[k] = v
				}
			}
		}
	}
	list, _ := container[r.Attr.Name].([]any)
	kept := list[:0:0]
	for _, el := range list {
		if m, ok := el.(map[string]any); !ok || len(m) > 0 {
			kept = append(kept, el)
		}
	}
	setList(container, r.Attr, kept)
	return nil
}

func setList(container map[string]any, a *schema.Attribute, list []any) {
	if len(list) == 0 {
		delete(container, a.Name)
		return
	}
	container[a.Name] = list
}

func isPrimary(el any) bool {
	m, ok := el.(map[string]any)
	return ok && m["primary"] == true
}

// containsElement reports whether list holds el: the same "value" when
// both have one (compared as the schema says), or an identical element.
func containsElement(list []any, el any, a *schema.Attribute) bool {
	return indexOfElement(list, el, a) >= 0
}

// indexOfElement is where list holds el, as containsElement compares, or
// -1.
func indexOfElement(list []any, el any, a *schema.Attribute) int {
	valueAttr, hasValue := a.Sub("value")
	for i, x := range list {
		xm, ok1 := x.(map[string]any)
		em, ok2 := el.(map[string]any)
		if hasValue && ok1 && ok2 {
			xv, _ := xm["value"].(string)
			ev, _ := em["value"].(string)
			if xv != "" && ev != "" {
				if xv == ev || (!valueAttr.CaseExact && strings.EqualFold(xv, ev)) {
					return i
				}
				continue
			}
		}
		if reflect.DeepEqual(x, el) {
			return i
		}
	}
	return -1
}

// mergeInto sets the members of value over base when value is an object.
func mergeInto(base map[string]any, value any) any {
	obj, ok := value.(map[string]any)
	if !ok {
		return value
	}
	for k, v := range obj {
		base[k] = v
	}
	return base
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
