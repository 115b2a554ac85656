// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package column holds one attribute path's values for every identity of a
// tenant, packed side by side in the order lists answer in.
//
// A filter no index answers reads one or two attributes of every user of
// a tenant. Read from the cached objects, that is a pointer chase into
// each of 100,000 objects scattered over the heap, and most of a filter's
// time is the first touch of each value; read from a column, it is one
// pass over a few contiguous arrays. filter.Compile evaluates a filter on
// columns as it does on typed objects: a column is a filter.Field over row
// numbers.
//
// When identities come, go or change, a column is spliced from the one
// before rather than built again: the rows that stayed are copied, a few
// contiguous runs, and only the new ones are read from their objects.
package column

import (
	"math"
	"strings"
	"time"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
)

// Column is the values of one attribute path, row by row. It is built once
// and then only read, by any number of goroutines. One of its parts is
// set, by the kind of value it holds.
type Column struct {
	strs  *stringColumn
	bools *boolColumn
	times *timeColumn
}

// Field reads the column as a filter reads an attribute, by row number.
func (c *Column) Field() filter.Field[int] {
	switch {
	case c.strs != nil && c.strs.aligned:
		return filter.Field[int]{Strings: c.strs.values, Len: c.strs.len, At: c.strs.at}
	case c.strs != nil:
		return filter.Field[int]{Strings: c.strs.values}
	case c.bools != nil:
		return filter.Field[int]{Bool: c.bools.value}
	default:
		return filter.Field[int]{Time: c.times.value}
	}
}

// Span is a run of Len rows of a column being spliced: copied from the
// earlier column's rows from Old on, or, when Old is negative, read from
// the objects.
type Span struct{ Old, Len int }

// Build packs the values f reads from each of rows, in order; row i of the
// column is rows[i]. ok is false when f has no reader or the values do not
// fit a column's 32-bit offsets, and the caller reads the objects instead.
func Build[O any](rows []O, f filter.Field[O]) (c *Column, ok bool) {
	return Splice(nil, []Span{{Old: -1, Len: len(rows)}}, rows, f)
}

// Splice is the column of rows built from old, a column f built: spans
// say, in row order, which rows are copied from old and which are read
// from rows with f. Their lengths add up to len(rows). ok is false as for
// Build.
func Splice[O any](old *Column, spans []Span, rows []O, f filter.Field[O]) (c *Column, ok bool) {
	if old == nil {
		old = &Column{}
	}
	switch {
	case f.At != nil:
		// Every element keeps its place, empty or not, so that row i's
		// element k is value k of the row in each column of its
		// attribute.
		s, ok := spliceStrings(old.strs, spans, rows, func(o O, collect func(string) bool) bool {
			for i := range f.Len(o) {
				if collect(f.At(o, i)) {
					return true
				}
			}
			return false
		})
		if ok {
			s.aligned = true
		}
		return &Column{strs: s}, ok
	case f.Strings != nil:
		s, ok := spliceStrings(old.strs, spans, rows, f.Strings)
		return &Column{strs: s}, ok
	case f.Bool != nil:
		return &Column{bools: spliceBools(old.bools, spans, rows, f.Bool)}, true
	case f.Time != nil:
		return &Column{times: spliceTimes(old.times, spans, rows, f.Time)}, true
	}
	return nil, false
}

// stringColumn is every value of every row in one string: row i's values
// are values[starts[i]:starts[i+1]], value j is data[start(j):ends[j]].
// An aligned column holds one value for each element of a multi-valued
// attribute, "" where the element has none.
type stringColumn struct {
	data    string
	ends    []uint32
	starts  []uint32
	aligned bool
}

// start is where value j begins in data.
func (c *stringColumn) start(j uint32) uint32 {
	if j == 0 {
		return 0
	}
	return c.ends[j-1]
}

func spliceStrings[O any](old *stringColumn, spans []Span, rows []O, read func(O, func(string) bool) bool) (*stringColumn, bool) {
	var (
		b        strings.Builder
		ends     []uint32
		overflow bool
	)
	if old != nil {
		b.Grow(len(old.data))
		ends = make([]uint32, 0, len(old.ends))
	}
	fits := func(bytes, values int) bool {
		return b.Len()+bytes <= math.MaxUint32 && len(ends)+values <= math.MaxUint32
	}
	collect := func(s string) bool {
		if !fits(len(s), 1) {
			overflow = true
			return true
		}
		b.WriteString(s)
		ends = append(ends, uint32(b.Len()))
		return false
	}
	starts := make([]uint32, len(rows)+1)
	row := 0
	for _, s := range spans {
		if s.Old < 0 {
			for i := row; i < row+s.Len; i++ {
				starts[i] = uint32(len(ends))
				read(rows[i], collect)
				if overflow {
					return nil, false
				}
			}
			row += s.Len
			continue
		}
		first, last := old.starts[s.Old], old.starts[s.Old+s.Len]
		from, to := old.start(first), old.start(last)
		if !fits(int(to-from), int(last-first)) {
			return nil, false
		}
		// Offsets move by as much as the run moves: one subtraction and
		// one addition each, in uint32 arithmetic that wraps back.
		byteShift, valueShift := uint32(b.Len())-from, uint32(len(ends))-first
		b.WriteString(old.data[from:to])
		for _, e := range old.ends[first:last] {
			ends = append(ends, e+byteShift)
		}
		for i, st := range old.starts[s.Old : s.Old+s.Len] {
			starts[row+i] = st + valueShift
		}
		row += s.Len
	}
	starts[len(rows)] = uint32(len(ends))
	return &stringColumn{data: b.String(), ends: ends, starts: starts}, true
}

// values calls match with each non-empty value of row, stopping at the
// first it accepts.
func (c *stringColumn) values(row int, match func(string) bool) bool {
	for j := c.starts[row]; j < c.starts[row+1]; j++ {
		if v := c.value(j); v != "" && match(v) {
			return true
		}
	}
	return false
}

func (c *stringColumn) value(j uint32) string { return c.data[c.start(j):c.ends[j]] }

// len is how many values row has; for an aligned column, how many
// elements.
func (c *stringColumn) len(row int) int { return int(c.starts[row+1] - c.starts[row]) }

// at is value i of row.
func (c *stringColumn) at(row, i int) string { return c.value(c.starts[row] + uint32(i)) }

// bits is a set of row numbers.
type bits []uint64

func newBits(n int) bits { return make(bits, (n+63)/64) }

func (b bits) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bits) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

// copyBits sets n bits of b from i on as src has them from j on; b's are
// clear.
func (b bits) copyBits(i int, src bits, j, n int) {
	for k := range n {
		if src.has(j + k) {
			b.set(i + k)
		}
	}
}

type boolColumn struct{ has, values bits }

func (c *boolColumn) value(row int) (bool, bool) { return c.values.has(row), c.has.has(row) }

func spliceBools[O any](old *boolColumn, spans []Span, rows []O, read func(O) (bool, bool)) *boolColumn {
	c := &boolColumn{has: newBits(len(rows)), values: newBits(len(rows))}
	row := 0
	for _, s := range spans {
		if s.Old >= 0 {
			c.has.copyBits(row, old.has, s.Old, s.Len)
			c.values.copyBits(row, old.values, s.Old, s.Len)
			row += s.Len
			continue
		}
		for ; s.Len > 0; s.Len-- {
			v, ok := read(rows[row])
			if ok {
				c.has.set(row)
			}
			if v {
				c.values.set(row)
			}
			row++
		}
	}
	return c
}

// timeColumn keeps whole seconds: filters compare dateTimes as they are
// rendered, to the second.
type timeColumn struct {
	has  bits
	secs []int64
}

func (c *timeColumn) value(row int) (time.Time, bool) {
	return time.Unix(c.secs[row], 0), c.has.has(row)
}

func spliceTimes[O any](old *timeColumn, spans []Span, rows []O, read func(O) (time.Time, bool)) *timeColumn {
	c := &timeColumn{has: newBits(len(rows)), secs: make([]int64, len(rows))}
	row := 0
	for _, s := range spans {
		if s.Old >= 0 {
			c.has.copyBits(row, old.has, s.Old, s.Len)
			copy(c.secs[row:row+s.Len], old.secs[s.Old:])
			row += s.Len
			continue
		}
		for ; s.Len > 0; s.Len-- {
			if t, ok := read(rows[row]); ok {
				c.has.set(row)
				c.secs[row] = t.Unix()
			}
			row++
		}
	}
	return c
}
