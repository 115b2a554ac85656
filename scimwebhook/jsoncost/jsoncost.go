// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package jsoncost tells what decoding a JSON document into generic values
// (map[string]any, []any) will cost before it is decoded. Decoding costs
// far more than the document's bytes: a megabyte of "[1,1,1,…]" or
// "[{},{},…]" takes 40 to 50 MB. One pass over the bytes, allocating
// nothing, counts the values, so that a server can refuse or queue a
// request before that memory is spent.
package jsoncost

// Shape is what a document holds. Object keys count as scalars.
type Shape struct {
	Objects, Arrays, Scalars int
}

// Add is the values of s and o together, as in a document holding both.
func (s Shape) Add(o Shape) Shape {
	return Shape{Objects: s.Objects + o.Objects, Arrays: s.Arrays + o.Arrays, Scalars: s.Scalars + o.Scalars}
}

// Values is how many values the document holds, containers included.
func (s Shape) Values() int { return s.Objects + s.Arrays + s.Scalars }

// Measure counts the values of a JSON document. It does not check the
// syntax; for a document that is not JSON the counts are what a decoder
// would meet before it stops, or more.
func Measure(data []byte) Shape {
	var s Shape
	inString, escaped := false, false
	// valueMayStart is true where a number or literal can begin: at the
	// start, and after '[', ',' or ':'.
	valueMayStart := true
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			s.Scalars++
			inString = true
		case '{':
			s.Objects++
		case '[':
			s.Arrays++
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f', 'n':
			if valueMayStart {
				s.Scalars++
			}
		}
		valueMayStart = c == '[' || c == ',' || c == ':'
	}
	return s
}

// Upper bounds of what encoding/json allocates decoding into any, from
// TestDecodeBytesBoundsAllocation: a value costs at most perValue (its
// interface, its share of the slices or maps that hold it, a boxed
// number), an object perObject more (its map); the document's bytes are
// copied at most twice (strings and their unescaping).
const (
	perValue  = 128
	perObject = 128
)

// DecodeBytes is an upper bound of the bytes decoding a document of size
// bytes and this shape into any allocates.
func (s Shape) DecodeBytes(size int) int64 {
	return 2*int64(size) + perValue*int64(s.Values()) + perObject*int64(s.Objects)
}
