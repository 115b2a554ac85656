// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

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
// that reads it, or spliced from the order's predecessor's.
type columns[O any] struct {
	mu     sync.Mutex
	byPath map[string]*columnEntry[O]
	clock  uint64
}

type columnEntry[O any] struct {
	// f reads the path's values from an identity.
	f    filter.Field[O]
	once sync.Once
	col  *column.Column
	ok   bool
	used uint64
}

// entry is the column for the path named key, made if there is none;
// c.mu must be held.
func (c *columns[O]) entry(key string, f filter.Field[O]) *columnEntry[O] {
	if c.byPath == nil {
		c.byPath = map[string]*columnEntry[O]{}
	}
	c.clock++
	e := c.byPath[key]
	if e == nil {
		if len(c.byPath) >= maxColumns {
			c.evict()
		}
		e = &columnEntry[O]{f: f}
		c.byPath[key] = e
	}
	e.used = c.clock
	return e
}

// column is the order's column of the values f reads for the path named
// key, built now if no filter has read it since the order was sorted.
func (o *order[O]) column(key string, f filter.Field[O]) (*column.Column, bool) {
	o.cols.mu.Lock()
	e := o.cols.entry(key, f)
	o.cols.mu.Unlock()
	return e.get(o.objs)
}

// get is the entry's column, built from rows if it has not been.
func (e *columnEntry[O]) get(rows []O) (*column.Column, bool) {
	e.once.Do(func() { e.col, e.ok = column.Build(rows, e.f) })
	return e.col, e.ok
}

// evict drops the least recently used column; c.mu must be held. A
// filter reading it keeps its own reference.
func (c *columns[O]) evict() {
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

// splice gives to every column c has, built on rows, spliced into the
// rows of its successor as spans say. A column is a few contiguous arrays
// to copy, where building it reads every identity again.
func (c *columns[O]) splice(to *columns[O], rows []O, spans []column.Span, next []O) {
	type built struct {
		key  string
		e    *columnEntry[O]
		used uint64
	}
	c.mu.Lock()
	to.clock = c.clock
	kept := make([]built, 0, len(c.byPath))
	for k, e := range c.byPath {
		kept = append(kept, built{k, e, e.used})
	}
	c.mu.Unlock()
	for _, b := range kept {
		old, ok := b.e.get(rows)
		if !ok {
			continue
		}
		to.mu.Lock()
		n := to.entry(b.key, b.e.f)
		n.used = b.used
		to.mu.Unlock()
		n.once.Do(func() { n.col, n.ok = column.Splice(old, spans, next, b.e.f) })
	}
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
