package column

import (
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
}
