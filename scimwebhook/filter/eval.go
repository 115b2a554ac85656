// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package filter

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// Resolved is a path checked against a resource's schema.
type Resolved struct {
	// Attr is the top-level attribute the path names.
	Attr *schema.Attribute
	// Container is "" for attributes at the top level of the resource, or
	// the URN of the extension that holds Attr.
	Container string
	// Sub is the sub-attribute the path names, if any.
	Sub *schema.Attribute
}

// Leaf is the attribute whose values the path finally yields: the
// sub-attribute, or the "value" of a multi-valued complex attribute
// compared as a whole (RFC 7644 section 3.4.2.2), or Attr.
func (r Resolved) Leaf() *schema.Attribute {
	if r.Sub != nil {
		return r.Sub
	}
	if r.Attr.Type == schema.TypeComplex {
		if v, ok := r.Attr.Sub("value"); ok {
			return v
		}
	}
	return r.Attr
}

// Key names the values the path yields, the same for every spelling of
// the path ("emails" and "EMAILS.value" alike).
func (r Resolved) Key() string {
	return r.Container + ":" + r.Attr.Name + "." + r.Leaf().Name
}

// Resolve checks p against the resource's schema, including the paths in
// its value filter.
func Resolve(p Path, res *schema.Resource) (Resolved, error) {
	a, container, ok := res.Attribute(p.URN, p.Attr)
	if !ok {
		return Resolved{}, fmt.Errorf("unknown attribute %q", p.String())
	}
	r := Resolved{Attr: a, Container: container}
	if p.Filter != nil {
		if !a.MultiValued {
			return Resolved{}, fmt.Errorf("%q is not multi-valued, so it takes no value filter", a.Name)
		}
		if err := checkElementFilter(p.Filter, a); err != nil {
			return Resolved{}, err
		}
	}
	if p.Sub != "" {
		sub, ok := a.Sub(p.Sub)
		if !ok {
			return Resolved{}, fmt.Errorf("unknown attribute %q", p.String())
		}
		r.Sub = sub
	}
	return r, nil
}

// checkElementFilter checks the paths inside a value filter, which name
// sub-attributes of a.
func checkElementFilter(e Expr, a *schema.Attribute) error {
	return Walk(e, func(p Path) error {
		if p.URN != "" || p.Sub != "" {
			return fmt.Errorf("%q: inside %s[...] only sub-attribute names may appear", p.String(), a.Name)
		}
		if _, ok := a.Sub(p.Attr); !ok {
			return fmt.Errorf("%q has no sub-attribute %q", a.Name, p.Attr)
		}
		return nil
	})
}

// Validate checks every path in e against the resource's schema, and
// that every dateTime compared by value is one: a date that cannot be read
// would match nothing, and an empty answer would look like a true one.
func Validate(e Expr, res *schema.Resource) error {
	if err := Walk(e, func(p Path) error {
		_, err := Resolve(p, res)
		return err
	}); err != nil {
		return err
	}
	return checkDates(e, res)
}

func checkDates(e Expr, res *schema.Resource) error {
	return visit(e, func(leaf Expr) error {
		c, ok := leaf.(Compare)
		want, isString := c.Value.(string)
		if !ok || !isString || !isOrdering(c.Op) && c.Op != OpEq && c.Op != OpNe {
			return nil
		}
		r, err := Resolve(c.Path, res)
		if err != nil {
			return err
		}
		if leaf := r.Leaf(); leaf != nil && leaf.Type == schema.TypeDateTime {
			if _, err := time.Parse(time.RFC3339Nano, want); err != nil {
				return fmt.Errorf("%s %s %q: %q is not an RFC 3339 date-time such as \"2026-01-31T09:00:00Z\"", c.Path.String(), c.Op, want, want)
			}
		}
		return nil
	})
}

// Walk calls f with every path in e, stopping at the first error.
func Walk(e Expr, f func(Path) error) error {
	return visit(e, func(leaf Expr) error {
		switch leaf := leaf.(type) {
		case Compare:
			return f(leaf.Path)
		case Present:
			return f(leaf.Path)
		case ValuePath:
			return f(leaf.Path)
		}
		return nil
	})
}

// visit calls f with every leaf of e (a comparison, a presence test or a
// value path), stopping at the first error.
func visit(e Expr, f func(Expr) error) error {
	switch e := e.(type) {
	case Logical:
		if err := visit(e.Left, f); err != nil {
			return err
		}
		return visit(e.Right, f)
	case Not:
		return visit(e.X, f)
	case Compare, Present, ValuePath:
		return f(e)
	}
	return nil
}

// Matches reports whether doc, a resource in SCIM JSON form with
// canonical attribute names, satisfies e. e must have passed Validate.
func Matches(e Expr, doc map[string]any, res *schema.Resource) bool {
	return NewMatcher(e, res).Matches(doc)
}

// Matcher evaluates one filter on many resources, with each of its paths
// resolved against the schema once rather than once per resource: a
// filter no index answers is evaluated on every user of a tenant.
type Matcher struct {
	e        Expr
	res      *schema.Resource
	resolved map[pathKey]Resolved
}

// pathKey is what resolving a path depends on: its value filter was
// checked when the filter was validated.
type pathKey struct{ urn, attr, sub string }

// NewMatcher prepares e, which must have passed Validate, for resources
// of res.
func NewMatcher(e Expr, res *schema.Resource) *Matcher {
	m := &Matcher{res: res, resolved: map[pathKey]Resolved{}}
	_ = Walk(e, func(p Path) error {
		if r, err := Resolve(p, res); err == nil {
			m.resolved[pathKey{p.URN, p.Attr, p.Sub}] = r
		}
		return nil
	})
	m.e = m.fold(e)
	return m
}

// fold lower-cases, once, the values e compares attributes that are not
// case-exact with, rather than once per resource and term.
func (m *Matcher) fold(e Expr) Expr {
	switch e := e.(type) {
	case Logical:
		e.Left, e.Right = m.fold(e.Left), m.fold(e.Right)
		return e
	case Not:
		e.X = m.fold(e.X)
		return e
	case Compare:
		r, ok := m.resolved[pathKey{e.Path.URN, e.Path.Attr, e.Path.Sub}]
		if v, isString := e.Value.(string); ok && isString && !r.Leaf().CaseExact && r.Leaf().Type != schema.TypeDateTime {
			e.Value = strings.ToLower(v)
		}
		return e
	}
	return e
}

// Matches reports whether doc satisfies the matcher's filter. It only
// reads the matcher, so goroutines may share one.
func (m *Matcher) Matches(doc map[string]any) bool {
	return matches(m.e, func(p Path) ([]any, *schema.Attribute) {
		r, ok := m.resolved[pathKey{p.URN, p.Attr, p.Sub}]
		if !ok {
			return nil, nil
		}
		return valuesIn(doc, r, p), r.Leaf()
	})
}

// lookup yields the values a path has in some scope, with the attribute
// that describes them.
type lookup func(Path) ([]any, *schema.Attribute)

func matches(e Expr, values lookup) bool {
	switch e := e.(type) {
	case Logical:
		if e.Op == OpAnd {
			return matches(e.Left, values) && matches(e.Right, values)
		}
		return matches(e.Left, values) || matches(e.Right, values)
	case Not:
		return !matches(e.X, values)
	case Present:
		vs, _ := values(e.Path)
		for _, v := range vs {
			if present(v) {
				return true
			}
		}
		return false
	case ValuePath:
		vs, _ := values(e.Path)
		return len(vs) > 0
	case Compare:
		vs, a := values(e.Path)
		if e.Op == OpNe {
			return !anyMatch(vs, OpEq, e.Value, a)
		}
		return anyMatch(vs, e.Op, e.Value, a)
	}
	return false
}

func anyMatch(vs []any, op string, want any, a *schema.Attribute) bool {
	if want == nil {
		// "eq null" matches an absent attribute.
		for _, v := range vs {
			if present(v) {
				return false
			}
		}
		return true
	}
	for _, v := range vs {
		if compare(v, op, want, a) {
			return true
		}
	}
	return false
}

func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// valuesIn yields the values the resolved path p has in doc.
func valuesIn(doc map[string]any, r Resolved, p Path) []any {
	scope := doc
	if r.Container != "" {
		ext, _ := doc[r.Container].(map[string]any)
		scope = ext
	}
	return elementValues(scope[r.Attr.Name], r, p.Filter)
}

// elementValues narrows an attribute's value to the elements that pass the
// value filter and then to the sub-attribute or leaf the path names.
func elementValues(v any, r Resolved, f Expr) []any {
	var elems []any
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		elems = v
	default:
		elems = []any{v}
	}
	if f != nil {
		kept := elems[:0:0]
		for _, el := range elems {
			m, ok := el.(map[string]any)
			if ok && matches(f, elementLookup(m, r.Attr)) {
				kept = append(kept, el)
			}
		}
		elems = kept
	}
	leaf := r.Leaf()
	if leaf == r.Attr {
		return elems
	}
	out := make([]any, 0, len(elems))
	for _, el := range elems {
		if m, ok := el.(map[string]any); ok {
			out = append(out, m[leaf.Name])
		}
	}
	return out
}

// elementLookup resolves the relative paths of a value filter inside one
// element of the multi-valued attribute a.
func elementLookup(el map[string]any, a *schema.Attribute) lookup {
	return func(p Path) ([]any, *schema.Attribute) {
		sub, ok := a.Sub(p.Attr)
		if !ok {
			return nil, nil
		}
		return []any{el[sub.Name]}, sub
	}
}

func compare(v any, op string, want any, a *schema.Attribute) bool {
	switch want := want.(type) {
	case string:
		got, ok := v.(string)
		if !ok {
			return false
		}
		if a != nil && a.Type == schema.TypeDateTime && isOrdering(op) {
			return compareTimes(got, op, want)
		}
		if a == nil || !a.CaseExact {
			// want is lower-cased already where a Matcher folded it, and
			// then costs a scan; got is lowered without allocating.
			var buf [256]byte
			lower, ok := asciiLower(&buf, got)
			if !ok {
				lower = strings.ToLower(got)
			}
			return compareStrings(lower, op, strings.ToLower(want))
		}
		return compareStrings(got, op, want)
	case bool:
		got, ok := v.(bool)
		return ok && op == OpEq && got == want
	case float64:
		got, ok := v.(float64)
		if !ok {
			return false
		}
		return compareOrdered(got, op, want)
	}
	return false
}

func isOrdering(op string) bool {
	return op == OpGt || op == OpGe || op == OpLt || op == OpLe
}

func compareStrings(got, op, want string) bool {
	switch op {
	case OpCo:
		return strings.Contains(got, want)
	case OpSw:
		return strings.HasPrefix(got, want)
	case OpEw:
		return strings.HasSuffix(got, want)
	}
	return compareOrdered(got, op, want)
}

func compareTimes(got, op, want string) bool {
	g, err1 := time.Parse(time.RFC3339Nano, got)
	w, err2 := time.Parse(time.RFC3339Nano, want)
	if err1 != nil || err2 != nil {
		return false
	}
	return compareOrdered(g.UnixNano(), op, w.UnixNano())
}

func compareOrdered[T string | float64 | int64](got T, op string, want T) bool {
	switch op {
	case OpEq:
		return got == want
	case OpGt:
		return got > want
	case OpGe:
		return got >= want
	case OpLt:
		return got < want
	case OpLe:
		return got <= want
	}
	return false
}

// MatchesElement reports whether el, one element of the multi-valued
// attribute a, satisfies the value filter e.
func MatchesElement(e Expr, el map[string]any, a *schema.Attribute) bool {
	return matches(e, elementLookup(el, a))
}

// Equalities are the sub-attribute values a value filter pins down with
// "eq" joined by "and" (emails[type eq "work"] pins type to "work"); ok is
// false for any other shape. A PATCH that targets an element that does not
// exist yet creates it with these values.
func Equalities(e Expr) (values map[string]any, ok bool) {
	values = map[string]any{}
	var collect func(Expr) bool
	collect = func(e Expr) bool {
		switch e := e.(type) {
		case Logical:
			return e.Op == OpAnd && collect(e.Left) && collect(e.Right)
		case Compare:
			if e.Op != OpEq || e.Value == nil || e.Path.Sub != "" || e.Path.Filter != nil {
				return false
			}
			values[e.Path.Attr] = e.Value
			return true
		}
		return false
	}
	return values, collect(e)
}

// TopLevel lists the top-level attributes e reads: canonical attribute
// names, and the URN of an extension whose attributes it reads. A resource
// rendered with only these evaluates e as the whole resource would.
func TopLevel(e Expr, res *schema.Resource) []string {
	var names []string
	_ = Walk(e, func(p Path) error {
		// A path the schema does not know matches nothing whatever is
		// rendered; Validate refuses such filters first.
		r, err := Resolve(p, res)
		if err != nil {
			return nil //nolint:nilerr // skipped, not an error: see above
		}
		name := r.Attr.Name
		if r.Container != "" {
			name = r.Container
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		return nil
	})
	return names
}
