// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package column

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
)

// row is what one test identity holds.
type row struct {
	values []string
	flag   *bool
	at     *time.Time
}

func stringsOf(r row, match func(string) bool) bool {
	for _, v := range r.values {
		if v != "" && match(v) {
			return true
		}
	}
	return false
}

var fields = map[string]filter.Field[row]{
	"strings": {Strings: stringsOf},
	"elements": {
		Strings: stringsOf,
		Len:     func(r row) int { return len(r.values) },
		At:      func(r row, i int) string { return r.values[i] },
	},
	"bools": {Bool: func(r row) (bool, bool) {
		if r.flag == nil {
			return false, false
		}
		return *r.flag, true
	}},
	"times": {Time: func(r row) (time.Time, bool) {
		if r.at == nil {
			return time.Time{}, false
		}
		return *r.at, true
	}},
}

// read is everything a column says of a row, to compare columns by.
func read(c *Column, i int) string {
	f := c.Field()
	switch {
	case f.At != nil:
		got := make([]string, f.Len(i))
		for k := range got {
			got[k] = f.At(i, k)
		}
		return fmt.Sprintf("%q", got)
	case f.Strings != nil:
		var got []string
		f.Strings(i, func(s string) bool { got = append(got, s); return false })
		return fmt.Sprintf("%q", got)
	case f.Bool != nil:
		v, ok := f.Bool(i)
		return fmt.Sprint(v, ok)
	default:
		v, ok := f.Time(i)
		return fmt.Sprint(v.Unix(), ok)
	}
}

func randomRow(r *rand.Rand) row {
	var out row
	for range r.IntN(4) {
		out.values = append(out.values, []string{"", "a", "Ünïcode", fmt.Sprint(r.IntN(1000))}[r.IntN(4)])
	}
	if r.IntN(3) > 0 {
		v := r.IntN(2) == 0
		out.flag = &v
	}
	if r.IntN(3) > 0 {
		at := time.Unix(r.Int64N(4e9)-1e9, r.Int64N(1e9))
		out.at = &at
	}
	return out
}

// A column spliced from an earlier one, over many rounds of rows coming,
// going and changing, reads as one built from the rows afresh.
func TestSplicedColumnsReadAsBuilt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, f := range fields {
		t.Run(name, func(t *testing.T) {
			var rows []row
			col, _ := Build(rows, f)
			for round := range 300 {
				// Each old row is kept, dropped or replaced, with new
				// rows between; spans say which.
				var next []row
				var spans []Span
				add := func(s Span) {
					if n := len(spans); n > 0 && (s.Old < 0) == (spans[n-1].Old < 0) && (s.Old < 0 || spans[n-1].Old+spans[n-1].Len == s.Old) {
						spans[n-1].Len += s.Len
						return
					}
					spans = append(spans, s)
				}
				for i := 0; i <= len(rows); i++ {
					// About ten new rows a round against a tenth dropped:
					// the rows settle at about a hundred.
					if r.IntN(len(rows)+10) < 10 {
						next = append(next, randomRow(r))
						add(Span{Old: -1, Len: 1})
					}
					if i == len(rows) {
						break
					}
					switch r.IntN(10) {
					case 0:
					case 1:
						next = append(next, randomRow(r))
						add(Span{Old: -1, Len: 1})
					default:
						next = append(next, rows[i])
						add(Span{Old: i, Len: 1})
					}
				}
				spliced, ok := Splice(col, spans, next, f)
				if !ok {
					t.Fatalf("round %d: no column", round)
				}
				built, _ := Build(next, f)
				for i := range next {
					if got, want := read(spliced, i), read(built, i); got != want {
						t.Fatalf("round %d, row %d of %d: spliced %s, built %s (spans %v)", round, i, len(next), got, want, spans)
					}
				}
				rows, col = next, spliced
			}
			if len(rows) == 0 || slices.IndexFunc(rows, func(r row) bool { return len(r.values) > 1 }) < 0 {
				t.Fatal("the rounds never held a row with several values")
			}
		})
	}
}

func TestColumnsReadWhatTheRowsHold(t *testing.T) {
	yes, no := true, false
	at := time.Date(2026, 3, 4, 5, 6, 7, 800_000_000, time.UTC)
	before := time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC)
	rows := []row{
		{},
		{values: []string{"a"}, flag: &yes, at: &at},
		{values: []string{"", "Ünïcode", "", "b"}, flag: &no, at: &before},
		{values: []string{"last"}},
	}
	strs, ok := Build(rows, filter.Field[row]{Strings: stringsOf})
	if !ok {
		t.Fatal("no string column")
	}
	bools, _ := Build(rows, filter.Field[row]{Bool: func(r row) (bool, bool) {
		if r.flag == nil {
			return false, false
		}
		return *r.flag, true
	}})
	times, _ := Build(rows, filter.Field[row]{Time: func(r row) (time.Time, bool) {
		if r.at == nil {
			return time.Time{}, false
		}
		return *r.at, true
	}})
	for i, r := range rows {
		var got []string
		strs.Field().Strings(i, func(s string) bool { got = append(got, s); return false })
		var want []string
		stringsOf(r, func(s string) bool { want = append(want, s); return false })
		if len(got) != len(want) {
			t.Fatalf("row %d: values %q, want %q", i, got, want)
		}
		for j := range got {
			if got[j] != want[j] {
				t.Errorf("row %d: values %q, want %q", i, got, want)
			}
		}
		if len(want) > 0 && !strs.Field().Strings(i, func(s string) bool { return s == want[len(want)-1] }) {
			t.Errorf("row %d: a match on the last value was not reported", i)
		}
		v, has := bools.Field().Bool(i)
		if has != (r.flag != nil) || has && v != *r.flag {
			t.Errorf("row %d: bool %v %v, want %v", i, v, has, r.flag)
		}
		tm, has := times.Field().Time(i)
		if has != (r.at != nil) || has && !tm.Equal(r.at.Truncate(time.Second)) {
			t.Errorf("row %d: time %v %v, want %v to the second", i, tm, has, r.at)
		}
	}
	if _, ok := Build(rows, filter.Field[row]{}); ok {
		t.Error("a field without a reader built a column")
	}
	// Read one element at a time, a row keeps its empty values in place;
	// read all at once, it gives only the others.
	elems, _ := Build(rows, fields["elements"])
	f := elems.Field()
	for i, r := range rows {
		if n := f.Len(i); n != len(r.values) {
			t.Fatalf("row %d: %d elements, want %d", i, n, len(r.values))
		}
		for k, want := range r.values {
			if got := f.At(i, k); got != want {
				t.Errorf("row %d, element %d: %q, want %q", i, k, got, want)
			}
		}
		f.Strings(i, func(s string) bool {
			if s == "" {
				t.Errorf("row %d: an empty value was matched", i)
			}
			return false
		})
	}
}
