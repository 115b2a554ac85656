// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/scim-operator/scim-operator/internal/claims"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// kind is what the store needs to know about one identity kind.
type kind[O client.Object] struct {
	noun    string
	newObj  func() O
	newList func() client.ObjectList
	items   func(client.ObjectList) []O
	tenant  func(O) string
	// uniqueValues is what an identity holds unique in its tenant, as the
	// tenant's policy says.
	uniqueValues func(*v1alpha1.ScimTenant, O) v1alpha1.UniqueValues
	// byTenant is the field index of the kind by tenant.
	byTenant string
	// hidden identities exist in the cluster but not for SCIM.
	hidden func(O) bool
}

var (
	users = kind[*v1alpha1.ScimUser]{
		noun:    "user",
		newObj:  func() *v1alpha1.ScimUser { return &v1alpha1.ScimUser{} },
		newList: func() client.ObjectList { return &v1alpha1.ScimUserList{} },
		items: func(l client.ObjectList) []*v1alpha1.ScimUser {
			return pointers(l.(*v1alpha1.ScimUserList).Items)
		},
		tenant:       func(u *v1alpha1.ScimUser) string { return u.Spec.TenantRef.Name },
		uniqueValues: func(t *v1alpha1.ScimTenant, u *v1alpha1.ScimUser) v1alpha1.UniqueValues { return u.UniqueValues(t) },
		byTenant:     index.UserTenant,
		hidden:       (*v1alpha1.ScimUser).HiddenFromSCIM,
	}
	groups = kind[*v1alpha1.ScimGroup]{
		noun:    "group",
		newObj:  func() *v1alpha1.ScimGroup { return &v1alpha1.ScimGroup{} },
		newList: func() client.ObjectList { return &v1alpha1.ScimGroupList{} },
		items: func(l client.ObjectList) []*v1alpha1.ScimGroup {
			return pointers(l.(*v1alpha1.ScimGroupList).Items)
		},
		tenant: func(g *v1alpha1.ScimGroup) string { return g.Spec.TenantRef.Name },
		uniqueValues: func(_ *v1alpha1.ScimTenant, g *v1alpha1.ScimGroup) v1alpha1.UniqueValues {
			return g.Spec.UniqueValues()
		},
		byTenant: index.GroupTenant,
		hidden:   func(g *v1alpha1.ScimGroup) bool { return g.Spec.ManagedBy != v1alpha1.ManagedBySCIM },
	}
)

func pointers[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// Identities reads and writes the identities of one kind.
type Identities[O client.Object] struct {
	s *Store
	k kind[O]
	// lister lists a tenant's identities without copying them; nil when
	// the cache cannot, and lists go through the cache.
	lister *tenantLister[O]
}

// Lookup says which identities a read may return, and from where.
type Lookup struct {
	// Hidden includes identities SCIM does not see: users deleted over
	// SCIM or created by hand.
	Hidden bool
	// Live reads from the API server instead of the cache.
	Live bool
}

// Get returns the tenant's identity id. The cache answers first; on a miss
// the API server does, so an identity another replica just created is
// never a false NotFound.
func (ids Identities[O]) Get(ctx context.Context, tenant *v1alpha1.ScimTenant, id string, l Lookup) (O, error) {
	var zero O
	if len(validation.IsDNS1123Subdomain(id)) > 0 {
		// No object can have this name; the API server would refuse the
		// request rather than say so.
		return zero, notFound(ids.k.noun, id)
	}
	key := types.NamespacedName{Namespace: tenant.Namespace, Name: id}
	obj := ids.k.newObj()
	var err error
	if l.Live {
		err = ids.s.apiReader.Get(ctx, key, obj)
	} else if err = ids.s.client.Get(ctx, key, obj); apierrors.IsNotFound(err) {
		err = ids.s.apiReader.Get(ctx, key, obj)
	}
	switch {
	case apierrors.IsNotFound(err):
		return zero, notFound(ids.k.noun, id)
	case err != nil:
		return zero, fromAPI(err, "get "+ids.k.noun)
	case ids.k.tenant(obj) != tenant.Name || !obj.GetDeletionTimestamp().IsZero() || (!l.Hidden && ids.k.hidden(obj)):
		return zero, notFound(ids.k.noun, id)
	}
	return obj, nil
}

// Cached returns the cached identity namespace/id for reading only,
// without a copy; ok is false when the cache has none. For looking at
// many identities at once, such as a large group's members.
func (ids Identities[O]) Cached(ctx context.Context, namespace, id string) (obj O, ok bool) {
	obj = ids.k.newObj()
	err := ids.s.client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: id}, obj, client.UnsafeDisableDeepCopy)
	return obj, err == nil
}

// holds says whether an identity of tenant exists and holds a value.
func (ids Identities[O]) holds(tenant *v1alpha1.ScimTenant) claims.Holds {
	return claims.HoldsBy(ids.s.apiReader, ids.k.newObj, func(obj O) v1alpha1.UniqueValues { return ids.k.uniqueValues(tenant, obj) })
}

// Create writes a new identity after claiming its unique values.
func (ids Identities[O]) Create(ctx context.Context, tenant *v1alpha1.ScimTenant, obj O) error {
	ids.s.touch(obj)
	claimed, err := ids.s.acquire(ctx, tenant, obj.GetName(), ids.k.uniqueValues(tenant, obj), ids.holds(tenant))
	if err != nil {
		return err
	}
	if err := ids.s.client.Create(ctx, obj); err != nil {
		ids.s.release(tenant, obj.GetName(), claimed)
		return fromAPI(err, "create "+ids.k.noun)
	}
	ids.s.awaitCache(ctx, obj, false)
	ids.record(true, obj)
	return nil
}

// record tells the list order of this replica's own write, once the
// cache has it: the informer's event, which does so too, may come a
// moment later, and a list right after a write must show it. moved says
// whether the identity came, went or changed visibility; objs are what it
// was and is.
func (ids Identities[O]) record(moved bool, objs ...O) {
	if ids.lister != nil {
		ids.lister.record(moved, objs...)
	}
}

// Update says how to change an identity.
type Update[O client.Object] struct {
	// Lookup says which identities may be changed: with Hidden, also
	// those SCIM does not see (to restore or adopt them). Live is ignored:
	// retries always read from the API server.
	Lookup Lookup
	// IfMatch, when set, is the version the caller last saw; the update
	// fails with PreconditionFailed when the identity has another.
	IfMatch string
	// Version is the identity's current version, to compare with IfMatch.
	Version func(O) (string, error)
	// Change edits next, a copy of cur.
	Change func(cur, next O) error
	// Record, when set, notes on next what the change does, once Change
	// has changed something and before it is written: nothing is recorded
	// for a change that changes nothing.
	Record func(cur, next O)
}

// Updated is the outcome of an update.
type Updated[O client.Object] struct {
	Before, After O
	// Changed is false when the change left the identity as it was, and
	// nothing was written.
	Changed bool
}

// Update changes an identity with optimistic concurrency: u.Change runs on
// a copy of the current object, and runs again on a fresh read when
// another writer got in between. The claims of new unique values are
// taken before the write and those of old ones released after it.
func (ids Identities[O]) Update(ctx context.Context, tenant *v1alpha1.ScimTenant, id string, u Update[O]) (Updated[O], error) {
	for attempt := 1; ; attempt++ {
		cur, err := ids.Get(ctx, tenant, id, Lookup{Hidden: u.Lookup.Hidden, Live: attempt > 1})
		if err != nil {
			return Updated[O]{}, err
		}
		if err := checkIfMatch(cur, u); err != nil {
			return Updated[O]{}, err
		}
		next := cur.DeepCopyObject().(O)
		if err := u.Change(cur, next); err != nil {
			return Updated[O]{}, err
		}
		if equality.Semantic.DeepEqual(cur, next) {
			return Updated[O]{Before: cur, After: cur}, nil
		}
		if u.Record != nil {
			u.Record(cur, next)
		}
		oldValues, newValues := ids.k.uniqueValues(tenant, cur), ids.k.uniqueValues(tenant, next)
		wanted := newValues.Minus(oldValues)
		if u.Lookup.Hidden {
			// An identity created by hand holds no claims yet.
			wanted = newValues
		}
		added, err := ids.s.acquire(ctx, tenant, id, wanted, ids.holds(tenant))
		if err != nil {
			return Updated[O]{}, err
		}
		ids.s.touch(next)
		err = ids.s.client.Update(ctx, next)
		if err != nil {
			ids.s.release(tenant, id, added)
		}
		switch {
		case apierrors.IsConflict(err) && attempt < maxUpdateAttempts:
			if err := backoffAfterConflict(ctx, attempt); err != nil {
				return Updated[O]{}, err
			}
			continue
		case apierrors.IsConflict(err):
			return Updated[O]{}, &Error{Reason: Unavailable, RetryAfter: time.Second,
				Detail: "the " + ids.k.noun + " is being changed by many requests at once; nothing was changed, retry"}
		case apierrors.IsNotFound(err):
			return Updated[O]{}, notFound(ids.k.noun, id)
		case err != nil:
			return Updated[O]{}, fromAPI(err, "update "+ids.k.noun)
		}
		ids.s.release(tenant, id, oldValues.Minus(newValues))
		ids.s.awaitCache(ctx, next, false)
		ids.record(ids.k.hidden(cur) != ids.k.hidden(next), cur, next)
		return Updated[O]{Before: cur, After: next, Changed: true}, nil
	}
}

func checkIfMatch[O client.Object](cur O, u Update[O]) error {
	if u.IfMatch == "" || u.Version == nil {
		return nil
	}
	v, err := u.Version(cur)
	if err != nil {
		return err
	}
	return CheckVersion(u.IfMatch, v)
}

// CheckVersion fails with PreconditionFailed unless ifMatch, an If-Match
// header's value, is empty or names version.
func CheckVersion(ifMatch, version string) error {
	if ifMatch == "" || VersionMatches(ifMatch, version) {
		return nil
	}
	return &Error{Reason: PreconditionFailed,
		Detail: fmt.Sprintf("the resource's version is %s, not %s: it changed since it was read; read it again and retry", version, ifMatch)}
}

// Delete deletes an identity, then releases its claims.
func (ids Identities[O]) Delete(ctx context.Context, tenant *v1alpha1.ScimTenant, obj O) error {
	uid := obj.GetUID()
	err := ids.s.client.Delete(ctx, obj, client.Preconditions{UID: &uid})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return notFound(ids.k.noun, obj.GetName())
	}
	if err != nil {
		return fromAPI(err, "delete "+ids.k.noun)
	}
	ids.s.release(tenant, obj.GetName(), ids.k.uniqueValues(tenant, obj))
	ids.s.awaitCache(ctx, obj, true)
	ids.record(true, obj)
	return nil
}

// List lists all of the tenant's identities SCIM sees, as cached, in list
// order (see SortByCreation): callers must not modify them.
func (ids Identities[O]) List(ctx context.Context, tenant *v1alpha1.ScimTenant) ([]O, error) {
	if ids.lister == nil {
		objs, err := ids.ByIndex(ctx, tenant, ids.k.byTenant, tenant.Name, Lookup{})
		SortByCreation(objs)
		return objs, err
	}
	o, err := ids.lister.sorted(tenant.Namespace, tenant.Name)
	if err != nil {
		return nil, fromAPI(err, "list "+ids.k.noun+"s")
	}
	return ids.cached(o.objs), nil
}

// Page is one page of the tenant's identities SCIM sees, in list order,
// and how many there are in all; bounds gives the page's 0-based bounds
// for a total. The other pages are not touched.
func (ids Identities[O]) Page(ctx context.Context, tenant *v1alpha1.ScimTenant, bounds func(total int) (from, to int)) (page []O, total int, err error) {
	if ids.lister == nil {
		all, err := ids.List(ctx, tenant)
		if err != nil {
			return nil, 0, err
		}
		from, to := bounds(len(all))
		return all[from:to], len(all), nil
	}
	o, err := ids.lister.sorted(tenant.Namespace, tenant.Name)
	if err != nil {
		return nil, 0, fromAPI(err, "list "+ids.k.noun+"s")
	}
	from, to := bounds(len(o.objs))
	return ids.cached(o.objs[from:to]), len(o.objs), nil
}

// cached is the identities of part of an order as cached now, those SCIM
// no longer sees left out. One still cached as it was sorted is seen: the
// cache replaces an object when it changes, so only a replaced one is
// checked again.
func (ids Identities[O]) cached(sorted []O) []O {
	out := make([]O, 0, len(sorted))
	for _, obj := range sorted {
		cur, ok := ids.lister.get(cacheKey(obj))
		if ok && (any(cur) == any(obj) || ids.lister.visible(cur)) {
			out = append(out, cur)
		}
	}
	return out
}

// Match is the part from from to to of the tenant's identities SCIM sees
// that e matches, in list order, as cached (callers must not modify
// them), and how many e matches in all. fields reads the values of a path
// from an identity; ok is false when e reads a path it has no field for,
// and the caller evaluates e another way.
//
// Every identity is read, so e is evaluated on columns of the values it
// compares, one per path, built by the first filter that reads the path
// after the tenant's order was sorted; identities changed in place since
// then are read from the cache as they are now.
func (ids Identities[O]) Match(ctx context.Context, tenant *v1alpha1.ScimTenant, e filter.Expr, res *schema.Resource, fields filter.Fields[O], from, to int) (page []O, total int, ok bool, err error) {
	match, ok := filter.Compile(e, res, fields)
	if !ok {
		return nil, 0, false, nil
	}
	keep := func(obj O) {
		if from <= total && total < to {
			page = append(page, obj)
		}
		total++
	}
	scan := NewScan(ctx)
	keepMatching := func(objs []O) error {
		for _, obj := range objs {
			if err := scan.Stopped(); err != nil {
				return err
			}
			if match(obj) {
				keep(obj)
			}
		}
		return nil
	}
	if ids.lister == nil {
		all, err := ids.List(ctx, tenant)
		if err == nil {
			err = keepMatching(all)
		}
		return page, total, true, err
	}
	o, changed, err := ids.lister.sortedWithChanges(tenant.Namespace, tenant.Name)
	if err != nil {
		return nil, 0, false, fromAPI(err, "list "+ids.k.noun+"s")
	}
	matchRow, ok := filter.Compile(e, res, o.fields(fields))
	if !ok {
		// Some path has no column (primary flags), or its values did not
		// fit one.
		err := keepMatching(ids.cached(o.objs))
		return page, total, true, err
	}
	moved := ids.changedRows(o, changed)
	for i, obj := range o.objs {
		if err := scan.Stopped(); err != nil {
			return nil, 0, false, err
		}
		if len(moved) > 0 && moved[0].row == i {
			if cur := moved[0]; cur.cached && ids.lister.visible(cur.obj) && match(cur.obj) {
				keep(cur.obj)
			}
			moved = moved[1:]
			continue
		}
		if matchRow(i) {
			keep(obj)
		}
	}
	return page, total, true, nil
}

// Scan paces a filter's evaluation over a tenant's identities.
type Scan struct {
	ctx      context.Context
	busy     func() bool
	rest     func(time.Duration)
	yielded  time.Time
	assessed int
}

type giveWayKey struct{}

// GiveWay returns ctx under which a scan gives way while busy reports
// that other requests are in flight: a filter read over every identity
// is the one request here whose cost a client chooses, and answering
// another tenant's lookup first costs the scan a little time, where the
// reverse costs the lookup the whole scan.
func GiveWay(ctx context.Context, busy func() bool) context.Context {
	return context.WithValue(ctx, giveWayKey{}, busy)
}

// NewScan paces a scan that ends when ctx does.
func NewScan(ctx context.Context) *Scan {
	busy, _ := ctx.Value(giveWayKey{}).(func() bool)
	return &Scan{ctx: ctx, busy: busy, rest: time.Sleep, yielded: time.Now()}
}

// scanSlice is how long a scan keeps its processor before it yields: a
// long filter costs tens of microseconds an identity, and other tenants'
// requests waiting for the processor would otherwise wait for the
// scheduler's 10 ms preemption.
const scanSlice = 500 * time.Microsecond

// scanRest is how long a scan that gives way rests after each slice: it
// keeps a third of a processor while other requests are in flight, so
// that it ends, or its time is up, however busy the server is.
const scanRest = 2 * scanSlice

// Stopped is called before each identity a scan assesses. Every 16th,
// once scanSlice has passed since it last did, it yields the processor,
// and rests for scanRest while it gives way; at the first and every 256th
// after, it is ctx's error: a filter's evaluation ends when its time is
// up, resting included.
func (s *Scan) Stopped() error {
	s.assessed++
	if s.assessed%16 == 0 {
		if now := time.Now(); now.Sub(s.yielded) >= scanSlice {
			if s.busy != nil && s.busy() {
				s.rest(scanRest)
			} else {
				runtime.Gosched()
			}
			s.yielded = time.Now()
		}
	}
	if s.assessed%256 != 1 || s.ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("evaluate a filter: %w", s.ctx.Err())
}

// changedRow is a row of an order whose identity changed in place since
// the order was read: as cached now, or no longer cached.
type changedRow[O client.Object] struct {
	row    int
	obj    O
	cached bool
}

// changedRows finds the rows of o whose identities changed in place since
// it was read, in row order, each once.
func (ids Identities[O]) changedRows(o *order[O], keys []string) []changedRow[O] {
	rows := make([]changedRow[O], 0, len(keys))
	for _, k := range keys {
		if cur, ok := ids.lister.get(k); ok {
			if i := o.row(cur); i >= 0 {
				rows = append(rows, changedRow[O]{row: i, obj: cur, cached: true})
			}
			continue
		}
		// Gone since, and its deletion not yet seen by the lister: its
		// row is left out. Rare enough to search for.
		if i := slices.IndexFunc(o.objs, func(obj O) bool { return cacheKey(obj) == k }); i >= 0 {
			rows = append(rows, changedRow[O]{row: i})
		}
	}
	// Keys are distinct, and so are their rows.
	slices.SortFunc(rows, func(a, b changedRow[O]) int { return a.row - b.row })
	return rows
}

// ByIndex lists the tenant's identities whose field index name has key,
// as cached: callers must not modify them. Keys of identity indexes are
// index.Key(tenant, value).
func (ids Identities[O]) ByIndex(ctx context.Context, tenant *v1alpha1.ScimTenant, name, key string, l Lookup) ([]O, error) {
	list := ids.k.newList()
	// The cache's objects are only read here, never changed, so copying
	// each of up to 100,000 users would be waste.
	if err := ids.s.client.List(ctx, list, client.InNamespace(tenant.Namespace), client.MatchingFields{name: key}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fromAPI(err, "list "+ids.k.noun+"s")
	}
	items := ids.k.items(list)
	out := items[:0]
	for _, obj := range items {
		if ids.k.tenant(obj) == tenant.Name && obj.GetDeletionTimestamp().IsZero() && (l.Hidden || !ids.k.hidden(obj)) {
			out = append(out, obj)
		}
	}
	return out, nil
}

// VersionMatches reports whether a list of versions, as an If-Match or
// If-None-Match header holds it, names version. The comparison is weak
// (RFC 9110 section 8.8.3.2): W/ prefixes are ignored, and "*" matches
// any version.
func VersionMatches(list, version string) bool {
	for _, tag := range strings.Split(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(version, "W/") {
			return true
		}
	}
	return false
}
