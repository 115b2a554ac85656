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
package column

import (
	"math"
	"strings"
	"time"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
)

// Column is the values of one attribute path, row by row. It is built once
// and then only read, by any number of goroutines.
type Column struct {
	field filter.Field[int]
}

// Field reads the column as a filter reads an attribute, by row number.
func (c *Column) Field() filter.Field[int] { return c.field }

// Build packs the values f reads from each of rows, in order; row i of the
// column is rows[i]. ok is false when f has no reader or the values do not
// fit a column's 32-bit offsets, and the caller reads the objects instead.
func Build[O any](rows []O, f filter.Field[O]) (c *Column, ok bool) {
	switch {
	case f.Strings != nil:
		return buildStrings(rows, f.Strings)
	case f.Bool != nil:
		return buildBools(rows, f.Bool), true
	case f.Time != nil:
		return buildTimes(rows, f.Time), true
	}
	return nil, false
}

// stringColumn is every value of every row in one string: row i's values
// are values[starts[i]:starts[i+1]], value j is data[ends[j-1]:ends[j]].
type stringColumn struct {
	data   string
	ends   []uint32
	starts []uint32
}

func buildStrings[O any](rows []O, read func(O, func(string) bool) bool) (*Column, bool) {
	var (
		b        strings.Builder
		ends     []uint32
		overflow bool
	)
	starts := make([]uint32, len(rows)+1)
	collect := func(s string) bool {
		if b.Len()+len(s) > math.MaxUint32 || len(ends) == math.MaxUint32 {
			overflow = true
			return true
		}
		b.WriteString(s)
		ends = append(ends, uint32(b.Len()))
		return false
	}
	for i, o := range rows {
		starts[i] = uint32(len(ends))
		read(o, collect)
		if overflow {
			return nil, false
		}
	}
	starts[len(rows)] = uint32(len(ends))
	c := stringColumn{data: b.String(), ends: ends, starts: starts}
	return &Column{field: filter.Field[int]{Strings: c.values}}, true
}

// values calls match with each value of row, stopping at the first it
// accepts.
func (c stringColumn) values(row int, match func(string) bool) bool {
	for j := c.starts[row]; j < c.starts[row+1]; j++ {
		from := uint32(0)
		if j > 0 {
			from = c.ends[j-1]
		}
		if match(c.data[from:c.ends[j]]) {
			return true
		}
	}
	return false
}

// bits is a set of row numbers.
type bits []uint64

func newBits(n int) bits { return make(bits, (n+63)/64) }

func (b bits) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bits) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func buildBools[O any](rows []O, read func(O) (bool, bool)) *Column {
	has, values := newBits(len(rows)), newBits(len(rows))
	for i, o := range rows {
		v, ok := read(o)
		if ok {
			has.set(i)
		}
		if v {
			values.set(i)
		}
	}
	return &Column{field: filter.Field[int]{Bool: func(row int) (bool, bool) { return values.has(row), has.has(row) }}}
}

// buildTimes keeps whole seconds: filters compare dateTimes as they are
// rendered, to the second.
func buildTimes[O any](rows []O, read func(O) (time.Time, bool)) *Column {
	has, secs := newBits(len(rows)), make([]int64, len(rows))
	for i, o := range rows {
		if t, ok := read(o); ok {
			has.set(i)
			secs[i] = t.Unix()
		}
	}
	return &Column{
		field: filter.Field[int]{Time: func(row int) (time.Time, bool) {
			return time.Unix(secs[row], 0), has.has(row)
		}},
	}
}
