// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/scimwebhook/column"
)

// tenantLister lists a tenant's identities straight from the informer's
// store. A typed List from the cache copies every object into the list,
// even without deep copies: at 100,000 users that is about 100 MB for each
// page an identity provider reads. The lister hands out the cached objects
// themselves, which the server only reads.
//
// It also keeps each tenant's visible identities in the order lists
// answer in (creation, then name), sorted once. Every change since is
// tracked by key: a list after identities came, went or changed
// visibility, or after many changed in place, splices those few into a
// copy of the order, and the columns filters read into copies of the
// columns, instead of sorting and reading 100,000 users again. A filter
// reading the columns reads the few identities changed in place since
// from the cache.
type tenantLister[O client.Object] struct {
	indexer toolscache.Indexer
	k       kind[O]

	mu      sync.Mutex
	tenants map[string]*tenantState[O]
}

// tenantState is what the lister knows of one tenant.
type tenantState[O client.Object] struct {
	// build is held by the list that brings the tenant's order up to
	// date, so that lists at the same moment wait for it rather than do
	// the same work.
	build sync.Mutex

	// The rest is guarded by the lister's mu.
	order *order[O]
	// building is set while a list brings the order up to date: changes
	// meanwhile are tracked even when there is no order yet.
	building bool
	// gen moves on when changes stop being tracked: an order brought up
	// to date from an earlier generation misses some, and is not kept.
	gen uint64
	// seq counts changes; moved is the seq of the last one that added or
	// removed a row. changed holds the last change of each identity
	// changed since the order was read, by cache key.
	seq     uint64
	moved   uint64
	changed map[string]*change
}

// change is what the lister knows of one identity's changes since the
// tenant's order was read.
type change struct {
	seq uint64
	// created is each creation time the identity had in its changes: a
	// name deleted and created again is another identity, at another
	// place in the order, and one of these finds the row the order holds.
	created []metav1.Time
}

func (c *change) saw(t metav1.Time) {
	if !slices.ContainsFunc(c.created, func(s metav1.Time) bool { return s.Equal(&t) }) {
		c.created = append(c.created, t)
	}
}

// order is a tenant's visible identities, sorted: the cached objects as
// of the tenant's seq, and columns of their values, built as filters ask
// for them.
type order[O client.Object] struct {
	// seq is the tenant's count of changes when the order was read:
	// later ones are not in objs.
	seq  uint64
	objs []O
	cols columns[O]
}

// minChanged is how many identities may change in place before a tenant's
// order is brought up to date, for small tenants; large ones allow a
// sixteenth of their identities. Each is read from the cache by every
// filter on the order's columns.
const minChanged = 64

// minTracked is how many identities' changes are tracked, at least,
// before the tenant is sorted afresh instead; large tenants track half of
// their identities. Splicing more costs about as much as sorting.
const minTracked = 1024

// newTenantLister lists k's informer by its field index k.byTenant
// (registered by the index package). It returns nil when the cache's
// informers do not expose their store, and the store then lists through
// the cache as usual.
func newTenantLister[O client.Object](ctx context.Context, c cache.Cache, k kind[O]) (*tenantLister[O], error) {
	inf, err := c.GetInformer(ctx, k.newObj())
	if err != nil {
		return nil, fmt.Errorf("get informer for %ss: %w", k.noun, err)
	}
	store, ok := index.Store(inf)
	if !ok {
		return nil, nil
	}
	l := listerOf(store, k)
	if _, err = inf.AddEventHandler(l.handler()); err != nil {
		return nil, fmt.Errorf("watch %ss for the list order: %w", k.noun, err)
	}
	return l, nil
}

func listerOf[O client.Object](store toolscache.Indexer, k kind[O]) *tenantLister[O] {
	return &tenantLister[O]{indexer: store, k: k, tenants: map[string]*tenantState[O]{}}
}

// handler records the informer's changes, which come once the cache holds
// them.
func (l *tenantLister[O]) handler() toolscache.ResourceEventHandler {
	cameOrWent := func(o any) {
		if d, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
			o = d.Obj
		}
		if obj, ok := o.(O); ok {
			l.record(true, obj)
		}
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    cameOrWent,
		DeleteFunc: cameOrWent,
		UpdateFunc: func(old, cur any) {
			o, okOld := old.(O)
			c, okCur := cur.(O)
			switch {
			case !okOld || !okCur:
			case o.GetResourceVersion() == c.GetResourceVersion():
				// A resync: nothing changed.
			default:
				l.record(l.visible(o) != l.visible(c), o, c)
			}
		},
	}
}

func tenantKey(namespace, tenant string) string { return namespace + "/" + tenant }

func (l *tenantLister[O]) visible(o O) bool {
	return o.GetDeletionTimestamp().IsZero() && !l.k.hidden(o)
}

// state is the tenant's state; l.mu must be held.
func (l *tenantLister[O]) state(namespace, tenant string) *tenantState[O] {
	key := tenantKey(namespace, tenant)
	st := l.tenants[key]
	if st == nil {
		st = &tenantState[O]{changed: map[string]*change{}}
		l.tenants[key] = st
	}
	return st
}

// record notes a change to an identity, once the cache holds it: objs are
// what the identity was and is, and moved says whether it came, went or
// changed visibility.
func (l *tenantLister[O]) record(moved bool, objs ...O) {
	obj := objs[len(objs)-1]
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.state(obj.GetNamespace(), l.k.tenant(obj))
	st.seq++
	if moved {
		st.moved = st.seq
	}
	if st.order == nil && !st.building {
		// The next list sorts the tenant from the cache as it is then.
		return
	}
	key := cacheKey(obj)
	c := st.changed[key]
	if c == nil {
		c = &change{}
		st.changed[key] = c
	}
	c.seq = st.seq
	for _, o := range objs {
		c.saw(o.GetCreationTimestamp())
	}
	if len(st.changed) > max(minTracked, st.size()/2) {
		st.gen++
		st.order = nil
		clear(st.changed)
	}
}

func (st *tenantState[O]) size() int {
	if st.order == nil {
		return 0
	}
	return len(st.order.objs)
}

// current is the tenant's order if it needs no bringing up to date; l.mu
// must be held. Every change tracked is later than the order.
func (st *tenantState[O]) current() *order[O] {
	if o := st.order; o != nil && st.moved <= o.seq && len(st.changed) <= max(minChanged, len(o.objs)/16) {
		return o
	}
	return nil
}

// keys is the keys of the identities changed in place since the current
// order was read, for a filter to read from the cache.
func (st *tenantState[O]) keys() []string {
	keys := make([]string, 0, len(st.changed))
	for k := range st.changed {
		keys = append(keys, k)
	}
	return keys
}

// list returns the tenant's objects as cached; callers must not modify
// them.
func (l *tenantLister[O]) list(namespace, tenant string) ([]any, error) {
	objs, err := index.Cached(l.indexer, l.k.byTenant, namespace, tenant)
	if err != nil {
		return nil, fmt.Errorf("list tenant %s/%s from the cache: %w", namespace, tenant, err)
	}
	return objs, nil
}

// sorted is the tenant's visible identities in list order. The order is
// shared: callers must not modify it.
func (l *tenantLister[O]) sorted(namespace, tenant string) (*order[O], error) {
	o, _, err := l.read(namespace, tenant, false)
	return o, err
}

// sortedWithChanges is sorted, and the keys of the identities changed in
// place since the order was read, taken together with it.
func (l *tenantLister[O]) sortedWithChanges(namespace, tenant string) (*order[O], []string, error) {
	return l.read(namespace, tenant, true)
}

// read brings the tenant's order up to date if it needs it, and, with
// changes, lists the keys changed in place since the order was read: a
// page of an import has no use for them.
func (l *tenantLister[O]) read(namespace, tenant string, changes bool) (*order[O], []string, error) {
	answer := func(st *tenantState[O], o *order[O]) (*order[O], []string, error) {
		if !changes {
			return o, nil, nil
		}
		return o, st.keys(), nil
	}
	l.mu.Lock()
	st := l.state(namespace, tenant)
	if o := st.current(); o != nil {
		defer l.mu.Unlock()
		return answer(st, o)
	}
	l.mu.Unlock()

	st.build.Lock()
	defer st.build.Unlock()
	l.mu.Lock()
	if o := st.current(); o != nil {
		// Brought up to date while this list waited.
		defer l.mu.Unlock()
		return answer(st, o)
	}
	base, gen, seq := st.order, st.gen, st.seq
	pending := make(map[string][]metav1.Time, len(st.changed))
	for k, c := range st.changed {
		// Appends after this share no element with it.
		pending[k] = c.created
	}
	st.building = true
	l.mu.Unlock()

	var o *order[O]
	var err error
	if base == nil {
		o, err = l.sort(namespace, tenant)
	} else {
		o = l.splice(base, pending, tenant)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st.building = false
	if err != nil {
		return nil, nil, err
	}
	o.seq = seq
	if st.gen != gen {
		// Too many changes meanwhile to track: this order serves this
		// list, and the next sorts again.
		return o, nil, nil
	}
	st.order = o
	for k, c := range st.changed {
		if c.seq <= seq {
			delete(st.changed, k)
		}
	}
	return answer(st, o)
}

// sort reads the tenant's visible identities from the cache and sorts
// them.
func (l *tenantLister[O]) sort(namespace, tenant string) (*order[O], error) {
	objs, err := l.list(namespace, tenant)
	if err != nil {
		return nil, err
	}
	visible := make([]O, 0, len(objs))
	for _, o := range objs {
		if obj, ok := o.(O); ok && l.visible(obj) {
			visible = append(visible, obj)
		}
	}
	SortByCreation(visible)
	return &order[O]{objs: visible}, nil
}

// splice is base with the identities changed since it was read as the
// cache holds them now: each one's row, if base has one, is dropped, and
// the identity, if visible, put in its place in list order. The rows in
// between are copied, and so are the columns built on base.
func (l *tenantLister[O]) splice(base *order[O], pending map[string][]metav1.Time, tenant string) *order[O] {
	var (
		dropped []int
		added   []O
	)
	for key, created := range pending {
		_, name, _ := strings.Cut(key, "/")
		cur, ok := l.get(key)
		if ok {
			created = append(created[:len(created):len(created)], cur.GetCreationTimestamp())
			if l.visible(cur) && l.k.tenant(cur) == tenant {
				added = append(added, cur)
			}
		}
		for _, t := range created {
			if i := base.rowOf(t, name); i >= 0 {
				dropped = append(dropped, i)
			}
		}
	}
	slices.Sort(dropped)
	dropped = slices.Compact(dropped)
	SortByCreation(added)

	objs := make([]O, 0, len(base.objs)-len(dropped)+len(added))
	var spans []column.Span
	span := func(old, n int) {
		if last := len(spans) - 1; last >= 0 && (old < 0) == (spans[last].Old < 0) &&
			(old < 0 || spans[last].Old+spans[last].Len == old) {
			spans[last].Len += n
			return
		}
		spans = append(spans, column.Span{Old: old, Len: n})
	}
	at := make([]int, len(added))
	for j, a := range added {
		at[j] = base.place(a.GetCreationTimestamp(), a.GetName())
	}
	for i := 0; i < len(base.objs) || len(added) > 0; {
		next := len(base.objs)
		if len(dropped) > 0 {
			next = dropped[0]
		}
		if len(added) > 0 {
			next = min(next, at[0])
		}
		switch {
		case next > i:
			// The rows up to the next one dropped or added.
			objs = append(objs, base.objs[i:next]...)
			span(i, next-i)
			i = next
		case len(added) > 0 && at[0] == i:
			// Before the row it replaces, if any.
			objs = append(objs, added[0])
			span(-1, 1)
			added, at = added[1:], at[1:]
		default:
			dropped = dropped[1:]
			i++
		}
	}
	o := &order[O]{objs: objs}
	base.cols.splice(&o.cols, base.objs, spans, objs)
	return o
}

// place is where an identity created at created with name goes in the
// order: the first row not listed before it.
func (o *order[O]) place(created metav1.Time, name string) int {
	return sort.Search(len(o.objs), func(i int) bool {
		return !listedBefore(o.objs[i].GetCreationTimestamp(), o.objs[i].GetName(), created, name)
	})
}

// rowOf is the row of the order holding the identity created at created
// with name, -1 if none does. Identities keep their creation time and
// name, so the sorted order is searched.
func (o *order[O]) rowOf(created metav1.Time, name string) int {
	if i := o.place(created, name); i < len(o.objs) && o.objs[i].GetName() == name {
		return i
	}
	return -1
}

// row is the row of the order holding obj, -1 if none does.
func (o *order[O]) row(obj O) int { return o.rowOf(obj.GetCreationTimestamp(), obj.GetName()) }

// cacheKey is an identity's key in the informer's store. Orders do not
// keep them: 100,000 keys are 100,000 strings.
func cacheKey(obj client.Object) string { return obj.GetNamespace() + "/" + obj.GetName() }

// get is the cached object with a cache key, and false if it is gone.
func (l *tenantLister[O]) get(key string) (O, bool) {
	o, exists, err := l.indexer.GetByKey(key)
	obj, ok := o.(O)
	return obj, err == nil && exists && ok
}

// SortByCreation sorts identities into list order: by creation, then by
// name, so that an identity provider paging through a tenant sees each
// identity once, and new ones at the end.
func SortByCreation[T client.Object](items []T) {
	sort.Slice(items, func(i, j int) bool {
		return listedBefore(items[i].GetCreationTimestamp(), items[i].GetName(), items[j].GetCreationTimestamp(), items[j].GetName())
	})
}

// listedBefore reports whether the identity created at ta with name a
// comes before the one created at tb with name b in list order.
func listedBefore(ta metav1.Time, a string, tb metav1.Time, b string) bool {
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	return a < b
}
