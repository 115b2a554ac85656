// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package filter parses SCIM filters (RFC 7644 section 3.4.2.2) and PATCH
// paths (section 3.5.2) into an AST, and evaluates filters against
// resources in their SCIM JSON form.
package filter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Expr is a filter expression.
type Expr interface {
	fmt.Stringer
	isExpr()
}

// Path names an attribute: [URN ":"] attr ["[" filter "]"] ["." sub].
// Filter, when set, selects elements of a multi-valued attribute; its paths
// are relative to those elements.
type Path struct {
	URN    string
	Attr   string
	Filter Expr
	Sub    string
}

func (p Path) String() string {
	var b strings.Builder
	if p.URN != "" {
		b.WriteString(p.URN)
		b.WriteByte(':')
	}
	b.WriteString(p.Attr)
	if p.Filter != nil {
		b.WriteByte('[')
		b.WriteString(p.Filter.String())
		b.WriteByte(']')
	}
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// Logical is "and" or "or" of two expressions.
type Logical struct {
	Op          string // OpAnd or OpOr
	Left, Right Expr
}

// Not negates an expression.
type Not struct{ X Expr }

// Compare is an attribute compared with a value by one of the comparison
// operators.
type Compare struct {
	Path  Path
	Op    string
	Value any // string, bool, nil, or a number as float64
}

// Present is "attr pr".
type Present struct{ Path Path }

// ValuePath is a bare "attr[filter]": true when some element matches.
type ValuePath struct{ Path Path }

// Operators, in their canonical lower case.
const (
	OpAnd = "and"
	OpOr  = "or"
	OpEq  = "eq"
	OpNe  = "ne"
	OpCo  = "co"
	OpSw  = "sw"
	OpEw  = "ew"
	OpGt  = "gt"
	OpGe  = "ge"
	OpLt  = "lt"
	OpLe  = "le"
	OpPr  = "pr"
)

func (Logical) isExpr()   {}
func (Not) isExpr()       {}
func (Compare) isExpr()   {}
func (Present) isExpr()   {}
func (ValuePath) isExpr() {}

func (e Logical) String() string {
	return "(" + e.Left.String() + " " + e.Op + " " + e.Right.String() + ")"
}
func (e Not) String() string       { return "not (" + e.X.String() + ")" }
func (e Present) String() string   { return e.Path.String() + " pr" }
func (e ValuePath) String() string { return e.Path.String() }
func (e Compare) String() string {
	return e.Path.String() + " " + e.Op + " " + formatValue(e.Value)
}

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		// JSON, not Go, escapes: the grammar's strings are JSON strings.
		b, _ := json.Marshal(v)
		return string(b)
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return "null"
	}
}
