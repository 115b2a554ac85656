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
// of a tenant without rendering any of them. Its readers are set by the
// type of the path's leaf attribute: one of Strings, Bool and Time, and,
// for a sub-attribute of a multi-valued complex attribute, Len with At or
// BoolAt.
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
	// Len, with At for a string or BoolAt for a boolean, reads a
	// sub-attribute of a multi-valued complex attribute one element at a
	// time, so that the terms of a value filter are tested on the same
	// element: Len is how many elements o has, At element i's value (""
	// for none), BoolAt its value and whether it has one.
	Len    func(o O) int
	At     func(o O, i int) string
	BoolAt func(o O, i int) (value, ok bool)
}

// Fields finds the Field for a resolved path; false when it has none, and
// the filter is then evaluated on the rendered resource.
type Fields[O any] func(Resolved) (Field[O], bool)

// Compile turns e, which must have passed Validate, into a predicate on
// typed resources, evaluated as Matches evaluates their rendered form.
// ok is false when some path of e has no Field (an attribute read only
// in rendered form), or a value filter reads one without Len: the caller
// renders instead.
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
		present, _, ok := c.tests(e.Path)
		if !ok {
			return never[O]
		}
		return present
	case Compare:
		present, compare, ok := c.tests(e.Path)
		if !ok {
			return never[O]
		}
		return comparison(e.Op, e.Value, present, compare, func(m func(O) bool) func(O) bool {
			return func(o O) bool { return !m(o) }
		})
	case ValuePath:
		in, count, ok := c.elements(e.Path)
		if !ok {
			return never[O]
		}
		return some(count, in)
	}
	c.failed = true
	return never[O]
}

// comparison is "path op want" built, as matches evaluates it, from
// tests of whether the path has a value and of whether one compares so:
// "eq null" holds when it has none, "ne" when no value is equal. T is a
// test of a resource, or of one element of it.
func comparison[T any](op string, want any, present T, compare func(op string, want any) T, not func(T) T) T {
	if want == nil {
		if op == OpNe {
			return present
		}
		return not(present)
	}
	if op == OpNe {
		return not(compare(OpEq, want))
	}
	return compare(op, want)
}

// tests are the tests of whether path p has a value in a resource and of
// whether one compares to a value by an operator. A path through a value
// filter, "emails[type eq "work"].value", has the values of the elements
// the filter keeps.
func (c *compiler[O]) tests(p Path) (present func(O) bool, compare func(op string, want any) func(O) bool, ok bool) {
	if p.Filter == nil {
		f, leaf, ok := c.field(p)
		if !ok {
			return nil, nil, false
		}
		return f.present(), func(op string, want any) func(O) bool { return f.compare(op, want, leaf) }, true
	}
	in, count, ok := c.elements(p)
	if !ok {
		return nil, nil, false
	}
	f, leaf, ok := c.elementField(p, p.Sub)
	if !ok {
		return nil, nil, false
	}
	kept := func(t func(O, int) bool) func(O) bool {
		return some(count, func(o O, i int) bool { return in(o, i) && t(o, i) })
	}
	return kept(f.presentAt()), func(op string, want any) func(O) bool { return kept(f.compareAt(op, want, leaf)) }, true
}

// some is true of a resource when test is true of one of its elements.
func some[O any](count func(O) int, test func(O, int) bool) func(O) bool {
	return func(o O) bool {
		for i := range count(o) {
			if test(o, i) {
				return true
			}
		}
		return false
	}
}

// elements compiles the value filter of p to a test of one element, and
// finds how many elements a resource has.
func (c *compiler[O]) elements(p Path) (in func(O, int) bool, count func(O) int, ok bool) {
	in = c.element(p, p.Filter, &count)
	if count == nil {
		c.failed = true
	}
	return in, count, !c.failed
}

// element compiles e, the value filter of path p or a part of it, to a
// test of one element of p's attribute, and sets count to the
// attribute's Len.
func (c *compiler[O]) element(p Path, e Expr, count *func(O) int) func(O, int) bool {
	switch e := e.(type) {
	case Logical:
		l, r := c.element(p, e.Left, count), c.element(p, e.Right, count)
		if e.Op == OpAnd {
			return func(o O, i int) bool { return l(o, i) && r(o, i) }
		}
		return func(o O, i int) bool { return l(o, i) || r(o, i) }
	case Not:
		x := c.element(p, e.X, count)
		return func(o O, i int) bool { return !x(o, i) }
	case Present:
		f, _, ok := c.elementField(p, e.Path.Attr)
		if !ok {
			return neverAt[O]
		}
		*count = f.Len
		return f.presentAt()
	case Compare:
		f, leaf, ok := c.elementField(p, e.Path.Attr)
		if !ok {
			return neverAt[O]
		}
		*count = f.Len
		return comparison(e.Op, e.Value, f.presentAt(),
			func(op string, want any) func(O, int) bool { return f.compareAt(op, want, leaf) },
			func(m func(O, int) bool) func(O, int) bool { return func(o O, i int) bool { return !m(o, i) } })
	}
	c.failed = true
	return neverAt[O]
}

func neverAt[O any](O, int) bool { return false }

// elementField finds the Field for sub, a sub-attribute of p's attribute
// read one element at a time ("" for what the attribute yields when
// compared whole, its "value").
func (c *compiler[O]) elementField(p Path, sub string) (Field[O], *schema.Attribute, bool) {
	f, leaf, ok := c.field(Path{URN: p.URN, Attr: p.Attr, Sub: sub})
	if ok && (f.Len == nil || f.At == nil && f.BoolAt == nil) {
		c.failed = true
		ok = false
	}
	return f, leaf, ok
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
	case f.BoolAt != nil:
		return some(f.Len, f.presentAt())
	}
	return never[O]
}

func anyString(string) bool { return true }

// presentAt tests whether one element has a value.
func (f Field[O]) presentAt() func(O, int) bool {
	if f.BoolAt != nil {
		return func(o O, i int) bool { _, ok := f.BoolAt(o, i); return ok }
	}
	return func(o O, i int) bool { return f.At(o, i) != "" }
}

// compareAt is compare for one element's value.
func (f Field[O]) compareAt(op string, want any, leaf *schema.Attribute) func(O, int) bool {
	switch want := want.(type) {
	case string:
		if f.At != nil {
			m := stringMatcher(op, want, leaf.CaseExact)
			return func(o O, i int) bool {
				v := f.At(o, i)
				return v != "" && m(v)
			}
		}
	case bool:
		if f.BoolAt != nil && op == OpEq {
			return func(o O, i int) bool { v, ok := f.BoolAt(o, i); return ok && v == want }
		}
	}
	return neverAt[O]
}

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
		if f.BoolAt != nil {
			return some(f.Len, f.compareAt(op, want, leaf))
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
