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
// 100,000 users would otherwise sort them all for every page.
type tenantLister struct {
	indexer toolscache.Indexer
	// byTenant is the field index of the identities by tenant.
	byTenant string
	tenant   func(any) (string, bool)
	visible  func(any) bool

	mu     sync.Mutex
	epochs map[string]uint64
	orders map[string]order
}

// order is a tenant's visible identities, sorted, as of the tenant's
// epoch: their cache keys, and the cached objects they were sorted from.
type order struct {
	epoch uint64
	keys  []string
	objs  []any
}

// newTenantLister lists obj's informer by its field index byTenant
// (registered by the index package). It returns nil when
// the cache's informers do not expose their store, and the store then
// lists through the cache as usual. visible says whether SCIM sees an
// identity.
func newTenantLister[O client.Object](ctx context.Context, c cache.Cache, obj O, byTenant string, tenantOf func(O) string, visible func(O) bool) (*tenantLister, error) {
	inf, err := c.GetInformer(ctx, obj)
	if err != nil {
		return nil, fmt.Errorf("get informer for %T: %w", obj, err)
	}
	store, ok := index.Store(inf)
	if !ok {
		return nil, nil
	}
	l := &tenantLister{
		indexer:  store,
		byTenant: byTenant,
		tenant: func(o any) (string, bool) {
			if obj, ok := o.(O); ok {
				return tenantKey(obj.GetNamespace(), tenantOf(obj)), true
			}
			return "", false
		},
		visible: func(o any) bool {
			obj, ok := o.(O)
			return ok && obj.GetDeletionTimestamp().IsZero() && visible(obj)
		},
		epochs: map[string]uint64{},
		orders: map[string]order{},
	}
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    l.changed,
		DeleteFunc: l.changed,
		UpdateFunc: func(old, cur any) {
			if l.visible(old) != l.visible(cur) {
				l.changed(cur)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("watch %T for the list order: %w", obj, err)
	}
	return l, nil
}

func tenantKey(namespace, tenant string) string { return namespace + "/" + tenant }

// changed records that an identity of a tenant came, went or changed
// visibility.
func (l *tenantLister) changed(o any) {
	if d, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		o = d.Obj
	}
	key, ok := l.tenant(o)
	if !ok {
		return
	}
	l.mu.Lock()
	l.epochs[key]++
	l.mu.Unlock()
}

// list returns the tenant's objects as cached; callers must not modify
// them.
func (l *tenantLister) list(namespace, tenant string) ([]any, error) {
	objs, err := index.Cached(l.indexer, l.byTenant, namespace, tenant)
	if err != nil {
		return nil, fmt.Errorf("list tenant %s/%s from the cache: %w", namespace, tenant, err)
	}
	return objs, nil
}

// sorted is the tenant's visible identities in list order. The order is
// shared: callers must not modify it.
func (l *tenantLister) sorted(namespace, tenant string) (order, error) {
	key := tenantKey(namespace, tenant)
	l.mu.Lock()
	epoch, o := l.epochs[key], l.orders[key]
	l.mu.Unlock()
	if o.keys != nil && o.epoch == epoch {
		return o, nil
	}
	objs, err := l.list(namespace, tenant)
	if err != nil {
		return order{}, err
	}
	visible := make([]client.Object, 0, len(objs))
	for _, o := range objs {
		if obj, ok := o.(client.Object); ok && l.visible(o) {
			visible = append(visible, obj)
		}
	}
	SortByCreation(visible)
	o = order{epoch: epoch, keys: make([]string, len(visible)), objs: make([]any, len(visible))}
	for i, obj := range visible {
		o.keys[i], o.objs[i] = obj.GetNamespace()+"/"+obj.GetName(), obj
	}
	l.mu.Lock()
	// A change while sorting moved the epoch on: this order is kept for
	// the epoch it was read at, and the next list sorts again.
	l.orders[key] = o
	l.mu.Unlock()
	return o, nil
}

// slice is the part of o from from to to.
func (o order) slice(from, to int) order {
	return order{epoch: o.epoch, keys: o.keys[from:to], objs: o.objs[from:to]}
}

// get is the cached object with a cache key, nil if it is gone.
func (l *tenantLister) get(key string) any {
	o, exists, err := l.indexer.GetByKey(key)
	if err != nil || !exists {
		return nil
	}
	return o
}

// SortByCreation sorts identities into list order: by creation, then by
// name, so that an identity provider paging through a tenant sees each
// identity once, and new ones at the end.
func SortByCreation[T client.Object](items []T) {
	sort.Slice(items, func(i, j int) bool {
		ti, tj := items[i].GetCreationTimestamp(), items[j].GetCreationTimestamp()
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return items[i].GetName() < items[j].GetName()
	})
}
