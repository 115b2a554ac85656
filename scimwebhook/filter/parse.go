// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package filter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLength bounds the filters and paths the parser accepts, so a hostile
// client cannot make it work hard.
const MaxLength = 4096

// maxDepth bounds nesting of parentheses and "not".
const maxDepth = 32

// Error is a filter or path the parser rejects; it says where and why.
type Error struct {
	Input  string
	Pos    int
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s at position %d of %q", e.Reason, e.Pos+1, e.Input)
}

// Parse parses a filter expression.
func Parse(s string) (Expr, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	e, err := p.parseOr(0, false)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t, "unexpected %s", t)
	}
	return e, nil
}

// ParsePath parses a PATCH path: attrPath or valuePath with an optional
// sub-attribute (RFC 7644 section 3.5.2).
func ParsePath(s string) (Path, error) {
	p, err := newParser(s)
	if err != nil {
		return Path{}, err
	}
	t := p.next()
	if t.kind != tokWord {
		return Path{}, p.errorf(t, "expected an attribute path, found %s", t)
	}
	path, err := p.parsePath(t, false)
	if err != nil {
		return Path{}, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return Path{}, p.errorf(t, "unexpected %s after the path", t)
	}
	return path, nil
}

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokWord
	tokString
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
)

type token struct {
	kind tokenKind
	text string // a word as written, or a decoded string literal
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return strconv.Quote(t.text)
	default:
		return "'" + t.text + "'"
	}
}

type parser struct {
	input  string
	tokens []token
	i      int
}

func newParser(s string) (*parser, error) {
	if len(s) > MaxLength {
		return nil, &Error{Input: s[:64] + "…", Reason: fmt.Sprintf("longer than %d bytes", MaxLength)}
	}
	if !utf8.ValidString(s) {
		return nil, &Error{Input: s, Reason: "not valid UTF-8"}
	}
	tokens, err := lex(s)
	if err != nil {
		return nil, err
	}
	return &parser{input: s, tokens: tokens}, nil
}

func (p *parser) peek() token { return p.tokens[p.i] }

func (p *parser) next() token {
	t := p.tokens[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return &Error{Input: p.input, Pos: t.pos, Reason: fmt.Sprintf(format, args...)}
}

func isKeyword(t token, kw string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// parseOr parses a whole (sub)expression. inValuePath is true between
// brackets, where another value path may not start.
func (p *parser) parseOr(depth int, inValuePath bool) (Expr, error) {
	left, err := p.parseAnd(depth, inValuePath)
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), OpOr) {
		p.next()
		right, err := p.parseAnd(depth, inValuePath)
		if err != nil {
			return nil, err
		}
		left = Logical{Op: OpOr, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseAnd(depth int, inValuePath bool) (Expr, error) {
	left, err := p.parseUnary(depth, inValuePath)
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), OpAnd) {
		p.next()
		right, err := p.parseUnary(depth, inValuePath)
		if err != nil {
			return nil, err
		}
		left = Logical{Op: OpAnd, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseUnary(depth int, inValuePath bool) (Expr, error) {
	if depth > maxDepth {
		return nil, p.errorf(p.peek(), "nested more than %d levels deep", maxDepth)
	}
	t := p.next()
	switch {
	case isKeyword(t, "not"):
		open := p.next()
		if open.kind != tokLParen {
			return nil, p.errorf(open, "expected '(' after 'not', found %s", open)
		}
		x, err := p.parseGroup(depth, inValuePath)
		if err != nil {
			return nil, err
		}
		return Not{X: x}, nil
	case t.kind == tokLParen:
		return p.parseGroup(depth, inValuePath)
	case t.kind == tokWord:
		return p.parseAttrExpr(t, inValuePath)
	default:
		return nil, p.errorf(t, "expected an attribute, '(' or 'not', found %s", t)
	}
}

// parseGroup parses the rest of a parenthesised expression.
func (p *parser) parseGroup(depth int, inValuePath bool) (Expr, error) {
	x, err := p.parseOr(depth+1, inValuePath)
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tokRParen {
		return nil, p.errorf(t, "expected ')', found %s", t)
	}
	return x, nil
}

func (p *parser) parseAttrExpr(first token, inValuePath bool) (Expr, error) {
	path, err := p.parsePath(first, inValuePath)
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if op.kind != tokWord || isKeyword(op, OpAnd) || isKeyword(op, OpOr) {
		if path.Filter != nil && path.Sub == "" {
			return ValuePath{Path: path}, nil
		}
		return nil, p.errorf(op, "expected an operator after %q, found %s", path.String(), op)
	}
	p.next()
	name := strings.ToLower(op.text)
	switch name {
	case OpPr:
		return Present{Path: path}, nil
	case OpEq, OpNe, OpCo, OpSw, OpEw, OpGt, OpGe, OpLt, OpLe:
	default:
		return nil, p.errorf(op, "unknown operator %s", op)
	}
	v, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	if v == nil && name != OpEq && name != OpNe {
		return nil, p.errorf(op, "operator %s cannot compare with null", name)
	}
	if _, isBool := v.(bool); isBool && name != OpEq && name != OpNe {
		return nil, p.errorf(op, "operator %s cannot compare with a boolean", name)
	}
	return Compare{Path: path, Op: name, Value: v}, nil
}

func (p *parser) parseValue() (any, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return t.text, nil
	case tokWord:
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		if f, err := strconv.ParseFloat(t.text, 64); err == nil && isJSONNumber(t.text) {
			return f, nil
		}
		// A bare word (userName sw j, a date without quotes) is the
		// string it spells, as lenient clients mean it; the logical
		// operators are never values.
		if !isKeyword(t, "and") && !isKeyword(t, "or") && !isKeyword(t, "not") {
			return t.text, nil
		}
	}
	return nil, p.errorf(t, "expected a value (a quoted string, number, true, false or null), found %s", t)
}

func isJSONNumber(s string) bool {
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

// parsePath parses an attribute path starting with the word first.
func (p *parser) parsePath(first token, inValuePath bool) (Path, error) {
	path, err := splitAttrPath(first.text)
	if err != nil {
		return Path{}, p.errorf(first, "%s", err)
	}
	if p.peek().kind != tokLBracket {
		return path, nil
	}
	open := p.next()
	if inValuePath {
		return Path{}, p.errorf(open, "value filters cannot be nested")
	}
	if path.Sub != "" {
		return Path{}, p.errorf(open, "a value filter must follow a top-level attribute, not %q", first.text)
	}
	f, err := p.parseOr(1, true)
	if err != nil {
		return Path{}, err
	}
	if t := p.next(); t.kind != tokRBracket {
		return Path{}, p.errorf(t, "expected ']', found %s", t)
	}
	path.Filter = f
	// A sub-attribute may follow the brackets: emails[type eq "work"].value.
	if t := p.peek(); t.kind == tokWord && strings.HasPrefix(t.text, ".") && t.pos == p.tokens[p.i-1].pos+1 {
		p.next()
		sub := t.text[1:]
		if !isAttrName(sub) {
			return Path{}, p.errorf(t, "invalid sub-attribute %q", sub)
		}
		path.Sub = sub
	}
	return path, nil
}

// splitAttrPath splits [URN ":"] attr ["." sub]. Attribute names contain no
// ':', so the URN is everything up to the last one.
func splitAttrPath(s string) (Path, error) {
	var path Path
	rest := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		path.URN, rest = s[:i], s[i+1:]
		if !strings.HasPrefix(strings.ToLower(path.URN), "urn:") {
			return Path{}, fmt.Errorf("invalid attribute %q: only a schema URN may precede ':'", s)
		}
	}
	attr, sub, hasSub := strings.Cut(rest, ".")
	if !isAttrName(attr) || (hasSub && !isAttrName(sub)) {
		return Path{}, fmt.Errorf("invalid attribute path %q", s)
	}
	path.Attr, path.Sub = attr, sub
	return path, nil
}

// isAttrName follows ATTRNAME (RFC 7644 section 3.10): ALPHA *(nameChar),
// and also admits "$ref".
func isAttrName(s string) bool {
	if s == "$ref" {
		return true
	}
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lex(s string) ([]token, error) {
	var tokens []token
	brackets := map[byte]tokenKind{'(': tokLParen, ')': tokRParen, '[': tokLBracket, ']': tokRBracket}
	i := 0
	for i < len(s) {
		c := s[i]
		if kind, ok := brackets[c]; ok {
			tokens = append(tokens, token{kind: kind, text: string(c), pos: i})
			i++
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
		case '"':
			end, err := stringEnd(s, i)
			if err != nil {
				return nil, err
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:end]), &v); err != nil {
				return nil, &Error{Input: s, Pos: i, Reason: "invalid string literal"}
			}
			tokens = append(tokens, token{kind: tokString, text: v, pos: i})
			i = end
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[i])) {
				i++
			}
			tokens = append(tokens, token{kind: tokWord, text: s[start:i], pos: start})
		}
	}
	return append(tokens, token{kind: tokEOF, pos: len(s)}), nil
}

// stringEnd finds the end (exclusive) of the string literal starting at i.
func stringEnd(s string, i int) (int, error) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, &Error{Input: s, Pos: i, Reason: "unterminated string"}
}
