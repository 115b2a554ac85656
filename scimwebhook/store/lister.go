package store

import (
	"context"
	"fmt"
	"sort"
	"sync"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/internal/index"
)

// tenantLister lists a tenant's identities straight from the informer's
// store. A typed List from the cache copies every object into the list,
// even without deep copies: at 100,000 users that is about 100 MB for each
// page an identity provider reads. The lister hands out the cached objects
// themselves, which the server only reads.
//
// It also keeps each tenant's visible identities in the order lists
// answer in (creation, then name), sorted once and kept until an identity
// comes, goes or changes visibility: an identity provider paging through
// 100,000 users would otherwise sort them all for every page. Identities
// changed in place since the sort are tracked by key, so that a filter
// reading the order's columns reads those few from the cache instead.
type tenantLister[O client.Object] struct {
	indexer toolscache.Indexer
	k       kind[O]

	mu      sync.Mutex
	tenants map[string]*tenantState[O]
}

// tenantState is what the lister knows of one tenant.
type tenantState[O client.Object] struct {
	// epoch moves on when an identity comes, goes or changes visibility:
	// an order of an earlier epoch is sorted again.
	epoch uint64
	order *order[O]
	// seq counts the changes in place; changed holds the key of each
	// identity changed in place and the seq of its last change, for
	// changes since the tenant's order was read.
	seq     uint64
	changed map[string]uint64
}

// order is a tenant's visible identities, sorted, as of the tenant's
// epoch: the cached objects they were sorted from, and
// columns of their values, built as filters ask for them.
type order[O client.Object] struct {
	epoch uint64
	// seq is the tenant's count of changes in place when the order was
	// read: those with a later seq are not in objs.
	seq  uint64
	objs []O
	cols columns
}

// minChanged is how many identities may change in place before a tenant's
// order is sorted again, for small tenants; large ones allow a sixteenth
// of their identities. Each is read from the cache by every filter on the
// order's columns.
const minChanged = 64

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
	l := &tenantLister[O]{indexer: store, k: k, tenants: map[string]*tenantState[O]{}}
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    l.changed,
		DeleteFunc: l.changed,
		UpdateFunc: func(old, cur any) {
			o, okOld := old.(O)
			c, okCur := cur.(O)
			switch {
			case okOld && okCur && o.GetResourceVersion() == c.GetResourceVersion():
				// A resync: nothing changed.
				return
			case okOld && okCur && l.visible(o) == l.visible(c):
				l.touched(c)
				return
			}
			l.changed(cur)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("watch %ss for the list order: %w", k.noun, err)
	}
	return l, nil
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
		st = &tenantState[O]{changed: map[string]uint64{}}
		l.tenants[key] = st
	}
	return st
}

// changed records that an identity of a tenant came, went or changed
// visibility: the tenant's order is sorted again, from a cache that holds
// every change recorded so far.
func (l *tenantLister[O]) changed(o any) {
	if d, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		o = d.Obj
	}
	obj, ok := o.(O)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.state(obj.GetNamespace(), l.k.tenant(obj))
	st.epoch++
	clear(st.changed)
}

// touched records that an identity changed in place, once the cache holds
// the change. Past the tenant's allowance the order is sorted again
// instead.
func (l *tenantLister[O]) touched(obj O) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.state(obj.GetNamespace(), l.k.tenant(obj))
	st.seq++
	st.changed[cacheKey(obj)] = st.seq
	allowed := minChanged
	if st.order != nil {
		allowed = max(allowed, len(st.order.objs)/16)
	}
	if len(st.changed) > allowed {
		st.epoch++
		clear(st.changed)
	}
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

// read sorts the tenant's order when it has none of the current epoch,
// and, with changes, lists the keys changed in place since the order was
// read: a page of an import has no use for them.
func (l *tenantLister[O]) read(namespace, tenant string, changes bool) (*order[O], []string, error) {
	since := func(st *tenantState[O], seq uint64) []string {
		if !changes {
			return nil
		}
		return st.changedSince(seq)
	}
	l.mu.Lock()
	st := l.state(namespace, tenant)
	if o := st.order; o != nil && o.epoch == st.epoch {
		defer l.mu.Unlock()
		return o, since(st, o.seq), nil
	}
	epoch, seq := st.epoch, st.seq
	l.mu.Unlock()
	objs, err := l.list(namespace, tenant)
	if err != nil {
		return nil, nil, err
	}
	visible := make([]O, 0, len(objs))
	for _, o := range objs {
		if obj, ok := o.(O); ok && l.visible(obj) {
			visible = append(visible, obj)
		}
	}
	SortByCreation(visible)
	o := &order[O]{epoch: epoch, seq: seq, objs: visible}
	l.mu.Lock()
	defer l.mu.Unlock()
	if kept := st.order; kept != nil && (kept.epoch > epoch || kept.epoch == epoch && kept.seq >= seq) {
		// Another list sorted a later read of the cache meanwhile.
		return kept, since(st, kept.seq), nil
	}
	// A change while sorting moved the epoch on: this order is kept for
	// the epoch it was read at, and the next list sorts again. Changes in
	// place that it holds are no longer tracked; later ones are.
	st.order = o
	if epoch == st.epoch {
		for k, s := range st.changed {
			if s <= seq {
				delete(st.changed, k)
			}
		}
	}
	return o, since(st, seq), nil
}

// changedSince is the keys of identities changed in place after the
// tenant's seq was seq.
func (st *tenantState[O]) changedSince(seq uint64) []string {
	var keys []string
	for k, s := range st.changed {
		if s > seq {
			keys = append(keys, k)
		}
	}
	return keys
}

// row is the row of the order holding obj, -1 if none does. Identities
// keep their creation time and name, so the sorted order is searched.
func (o *order[O]) row(obj O) int {
	i := sort.Search(len(o.objs), func(i int) bool { return !listedBefore(o.objs[i], obj) })
	if i < len(o.objs) && o.objs[i].GetName() == obj.GetName() {
		return i
	}
	return -1
}

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
	sort.Slice(items, func(i, j int) bool { return listedBefore(items[i], items[j]) })
}

// listedBefore reports whether a comes before b in list order.
func listedBefore(a, b client.Object) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	return a.GetName() < b.GetName()
}
