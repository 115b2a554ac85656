// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package filter

import (
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// Field reads the values one attribute path has straight from a typed
// resource, so that a filter no index answers is evaluated on every user
// of a tenant without rendering any of them. Exactly one of its readers
// is set, by the type of the path's leaf attribute.
type Field[O any] struct {
	// Strings calls match with each non-empty value of a string,
	// reference or binary attribute, stopping at the first it accepts,
	// and reports whether one was accepted.
	Strings func(o O, match func(string) bool) bool
	// Bool is the value of a single-valued boolean attribute, and whether
	// the resource has one.
	Bool func(o O) (value, ok bool)
	// Time is the value of a single-valued dateTime attribute, and
	// whether the resource has one.
	Time func(o O) (time.Time, bool)
}

// Fields finds the Field for a resolved path; false when it has none, and
// the filter is then evaluated on the rendered resource.
type Fields[O any] func(Resolved) (Field[O], bool)

// Compile turns e, which must have passed Validate, into a predicate on
// typed resources, evaluated as Matches evaluates their rendered form.
// ok is false when some path of e has no Field (a value filter that
// flatten cannot rewrite, an attribute read only in rendered form): the
// caller renders instead.
func Compile[O any](e Expr, res *schema.Resource, fields Fields[O]) (match func(O) bool, ok bool) {
	c := compiler[O]{res: res, fields: fields}
	match = c.expr(e)
	return match, !c.failed
}

type compiler[O any] struct {
	res    *schema.Resource
	fields Fields[O]
	failed bool
}

// never stands for a part that cannot be compiled; Compile reports
// failure, so it is never run.
func never[O any](O) bool { return false }

func (c *compiler[O]) expr(e Expr) func(O) bool {
	switch e := e.(type) {
	case Logical:
		l, r := c.expr(e.Left), c.expr(e.Right)
		if e.Op == OpAnd {
			return func(o O) bool { return l(o) && r(o) }
		}
		return func(o O) bool { return l(o) || r(o) }
	case Not:
		x := c.expr(e.X)
		return func(o O) bool { return !x(o) }
	case Present:
		f, _, ok := c.field(e.Path)
		if !ok {
			return never[O]
		}
		return f.present()
	case Compare:
		f, leaf, ok := c.field(e.Path)
		if !ok {
			return never[O]
		}
		if e.Value == nil {
			// "eq null" matches an absent attribute, whatever the operator.
			has := f.present()
			if e.Op == OpNe {
				return has
			}
			return func(o O) bool { return !has(o) }
		}
		op := e.Op
		if op == OpNe {
			op = OpEq
		}
		m := f.compare(op, e.Value, leaf)
		if e.Op == OpNe {
			return func(o O) bool { return !m(o) }
		}
		return m
	case ValuePath:
		if flat, ok := flatten(e.Path); ok {
			return c.expr(flat)
		}
	}
	c.failed = true
	return never[O]
}

// flatten rewrites "attr[f]" as f on attr's sub-attributes where that is
// the same filter: f an "or" of comparisons and presences of single
// sub-attributes. Some element satisfies "a or b" exactly when some
// element satisfies a or some satisfies b, and some element's sub
// compares so exactly when one of the values of attr.sub does. "and",
// "not", "ne" and "eq null" each speak of one element, and are left to
// the rendered form.
func flatten(p Path) (Expr, bool) {
	sub := func(in Path) (Path, bool) {
		return Path{URN: p.URN, Attr: p.Attr, Sub: in.Attr}, in.URN == "" && in.Filter == nil && in.Sub == ""
	}
	var rewrite func(Expr) (Expr, bool)
	rewrite = func(e Expr) (Expr, bool) {
		switch e := e.(type) {
		case Logical:
			if e.Op != OpOr {
				return nil, false
			}
			l, okL := rewrite(e.Left)
			r, okR := rewrite(e.Right)
			return Logical{Op: OpOr, Left: l, Right: r}, okL && okR
		case Present:
			q, ok := sub(e.Path)
			return Present{Path: q}, ok
		case Compare:
			q, ok := sub(e.Path)
			return Compare{Path: q, Op: e.Op, Value: e.Value}, ok && e.Op != OpNe && e.Value != nil
		}
		return nil, false
	}
	if p.Filter == nil || p.Sub != "" {
		return nil, false
	}
	return rewrite(p.Filter)
}

// field finds the Field for a path without a value filter.
func (c *compiler[O]) field(p Path) (Field[O], *schema.Attribute, bool) {
	if p.Filter != nil {
		c.failed = true
		return Field[O]{}, nil, false
	}
	r, err := Resolve(p, c.res)
	if err != nil {
		c.failed = true
		return Field[O]{}, nil, false
	}
	f, ok := c.fields(r)
	if !ok {
		c.failed = true
	}
	return f, r.Leaf(), ok
}

func (f Field[O]) present() func(O) bool {
	switch {
	case f.Strings != nil:
		return func(o O) bool { return f.Strings(o, anyString) }
	case f.Bool != nil:
		return func(o O) bool { _, ok := f.Bool(o); return ok }
	case f.Time != nil:
		return func(o O) bool { _, ok := f.Time(o); return ok }
	}
	return never[O]
}

func anyString(string) bool { return true }

// compare is a predicate true when some value of the field compares to
// want by op, as compare does for rendered values: a value of another
// type than want's never does.
func (f Field[O]) compare(op string, want any, leaf *schema.Attribute) func(O) bool {
	switch want := want.(type) {
	case string:
		switch {
		case f.Strings != nil:
			m := stringMatcher(op, want, leaf.CaseExact)
			return func(o O) bool { return f.Strings(o, m) }
		case f.Time != nil:
			return f.compareTime(op, want, leaf)
		}
	case bool:
		if f.Bool != nil && op == OpEq {
			return func(o O) bool { v, ok := f.Bool(o); return ok && v == want }
		}
	}
	return never[O]
}

// compareTime compares a dateTime as compare compares its rendered
// RFC 3339 form: ordering by instant, other operators as strings.
func (f Field[O]) compareTime(op, want string, leaf *schema.Attribute) func(O) bool {
	if !isOrdering(op) {
		m := stringMatcher(op, want, leaf.CaseExact)
		return func(o O) bool {
			t, ok := f.Time(o)
			return ok && m(t.UTC().Format(time.RFC3339))
		}
	}
	w, err := time.Parse(time.RFC3339Nano, want)
	if err != nil {
		return never[O]
	}
	wn := w.UnixNano()
	return func(o O) bool {
		t, ok := f.Time(o)
		// Rendered values carry whole seconds.
		return ok && compareOrdered(t.Truncate(time.Second).UnixNano(), op, wn)
	}
}

// stringMatcher compares one value with want by op. Values that are not
// case-exact are compared lower-cased, as compare does, without
// allocating for ASCII values: this runs once per user of a tenant.
func stringMatcher(op, want string, caseExact bool) func(string) bool {
	if caseExact {
		return func(got string) bool { return compareStrings(got, op, want) }
	}
	want = strings.ToLower(want)
	return func(got string) bool {
		var buf [256]byte
		lower, ok := asciiLower(&buf, got)
		if !ok {
			lower = strings.ToLower(got)
		}
		return compareStrings(lower, op, want)
	}
}

// asciiLower is s lower-cased in buf when s is ASCII and fits; ok is
// false otherwise, and strings.ToLower decides. The result shares buf's
// memory (no copy, no allocation): it must not outlive buf, and buf must
// not change while it is used.
func asciiLower(buf *[256]byte, s string) (string, bool) {
	if len(s) > len(buf) {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			return "", false
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	return unsafe.String(&buf[0], len(s)), true
}
