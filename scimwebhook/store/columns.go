package store

import (
	"sync"

	"github.com/scim-operator/scim-operator/scimwebhook/column"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
)

// maxColumns is how many columns one order keeps; the least recently
// used goes first. Identity providers filter on a handful of attributes,
// and a column of 100,000 users takes a few megabytes.
const maxColumns = 8

// columns are an order's columns by path, each built by the first filter
// that reads it.
type columns struct {
	mu     sync.Mutex
	byPath map[string]*columnEntry
	clock  uint64
}

type columnEntry struct {
	once sync.Once
	col  *column.Column
	ok   bool
	used uint64
}

// column is the order's column of the values f reads for the path named
// key, built now if no filter has read it since the order was sorted.
func (o *order[O]) column(key string, f filter.Field[O]) (*column.Column, bool) {
	c := &o.cols
	c.mu.Lock()
	if c.byPath == nil {
		c.byPath = map[string]*columnEntry{}
	}
	c.clock++
	e := c.byPath[key]
	if e == nil {
		if len(c.byPath) >= maxColumns {
			c.evict()
		}
		e = &columnEntry{}
		c.byPath[key] = e
	}
	e.used = c.clock
	c.mu.Unlock()
	e.once.Do(func() { e.col, e.ok = column.Build(o.objs, f) })
	return e.col, e.ok
}

// evict drops the least recently used column; c.mu must be held. A
// filter reading it keeps its own reference.
func (c *columns) evict() {
	var (
		oldest string
		used   uint64
	)
	for k, e := range c.byPath {
		if oldest == "" || e.used < used {
			oldest, used = k, e.used
		}
	}
	delete(c.byPath, oldest)
}

// fields reads the order's columns for the paths fields reads from
// objects.
func (o *order[O]) fields(fields filter.Fields[O]) filter.Fields[int] {
	return func(r filter.Resolved) (filter.Field[int], bool) {
		f, ok := fields(r)
		if !ok {
			return filter.Field[int]{}, false
		}
		col, ok := o.column(r.Key(), f)
		if !ok {
			return filter.Field[int]{}, false
		}
		return col.Field(), true
	}
}
