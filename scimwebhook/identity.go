package scimwebhook

import (
	"context"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// maxUpdateAttempts bounds the optimistic-concurrency retries of one write.
const maxUpdateAttempts = 5

// cacheWaitTimeout bounds how long a write waits for the cache to see it.
const cacheWaitTimeout = 2 * time.Second

// awaitCache waits until this replica's cache has seen a write (or, with
// deleted, a delete), so that the client's next read through this replica
// sees its own write. Resource versions are compared as numbers, as etcd
// issues them. A cache that lags longer only delays the response.
func (s *Server) awaitCache(ctx context.Context, obj client.Object, deleted bool) {
	want, err := strconv.ParseUint(obj.GetResourceVersion(), 10, 64)
	if err != nil && !deleted {
		return
	}
	key := client.ObjectKeyFromObject(obj)
	_ = wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, cacheWaitTimeout, true, func(ctx context.Context) (bool, error) {
		cur := obj.DeepCopyObject().(client.Object)
		err := s.client.Get(ctx, key, cur)
		if deleted || apierrors.IsNotFound(err) {
			return deleted && apierrors.IsNotFound(err), nil
		}
		got, _ := strconv.ParseUint(cur.GetResourceVersion(), 10, 64)
		return err == nil && got >= want, nil
	})
}

// kind is what the server's read and write paths need to know about one
// identity kind (users or groups).
type kind[O client.Object] struct {
	noun    string
	newObj  func() O
	newList func() client.ObjectList
	items   func(client.ObjectList) []O
	tenant  func(O) string
	claims  func(O) claimSet
	// byTenant is the index of the kind by tenant; indexes those of the
	// attributes "eq" filters are answered from.
	byTenant string
	indexes  []indexedAttr
	res      *schema.Resource
	// hidden identities exist in the cluster but not for SCIM.
	hidden func(O) bool
	// lister is the server's copy-free lister of the kind, if it has one.
	lister func(*Server) *tenantLister
	// created, updated and deleted are the Event reasons of writes; updated
	// may look at what changed.
	created, deleted string
	updated          func(cur, next O) string
}

// Event reasons of provisioning actions, stable for alerting and audit.
const (
	EventUserCreated     = "UserCreated"
	EventUserUpdated     = "UserUpdated"
	EventUserDeactivated = "UserDeactivated"
	EventUserReactivated = "UserReactivated"
	EventUserDeleted     = "UserDeleted"
	EventUserRestored    = "UserRestored"
	EventUserAdopted     = "UserAdopted"
	EventGroupCreated    = "GroupCreated"
	EventGroupUpdated    = "GroupUpdated"
	EventGroupDeleted    = "GroupDeleted"
)

var (
	userKind = kind[*v1alpha1.ScimUser]{
		noun:    "user",
		newObj:  func() *v1alpha1.ScimUser { return &v1alpha1.ScimUser{} },
		newList: func() client.ObjectList { return &v1alpha1.ScimUserList{} },
		items: func(l client.ObjectList) []*v1alpha1.ScimUser {
			return pointers(l.(*v1alpha1.ScimUserList).Items)
		},
		tenant:   func(u *v1alpha1.ScimUser) string { return u.Spec.TenantRef.Name },
		claims:   func(u *v1alpha1.ScimUser) claimSet { return userClaims(&u.Spec) },
		byTenant: index.UserTenant,
		indexes:  userIndexes,
		res:      schema.UserResource,
		// Users deleted over SCIM are retained but gone for SCIM; users
		// created by hand are out of its control until it adopts them.
		lister: func(s *Server) *tenantLister { return s.users },
		hidden: func(u *v1alpha1.ScimUser) bool {
			return u.Annotations[v1alpha1.AnnotationDeletedAt] != "" || u.Spec.ManagedBy != v1alpha1.ManagedBySCIM
		},
		created: EventUserCreated,
		deleted: EventUserDeleted,
		updated: func(cur, next *v1alpha1.ScimUser) string {
			wasDeleted, isDeleted := cur.Annotations[v1alpha1.AnnotationDeletedAt] != "", next.Annotations[v1alpha1.AnnotationDeletedAt] != ""
			switch was, is := cur.IsActive(), next.IsActive(); {
			case !wasDeleted && isDeleted:
				return EventUserDeleted
			case wasDeleted && !isDeleted:
				return EventUserRestored
			case cur.Spec.ManagedBy != next.Spec.ManagedBy:
				return EventUserAdopted
			case was && !is:
				return EventUserDeactivated
			case !was && is:
				return EventUserReactivated
			}
			return EventUserUpdated
		},
	}
	groupKind = kind[*v1alpha1.ScimGroup]{
		noun:    "group",
		newObj:  func() *v1alpha1.ScimGroup { return &v1alpha1.ScimGroup{} },
		newList: func() client.ObjectList { return &v1alpha1.ScimGroupList{} },
		items: func(l client.ObjectList) []*v1alpha1.ScimGroup {
			return pointers(l.(*v1alpha1.ScimGroupList).Items)
		},
		tenant:   func(g *v1alpha1.ScimGroup) string { return g.Spec.TenantRef.Name },
		claims:   func(g *v1alpha1.ScimGroup) claimSet { return groupClaims(&g.Spec) },
		byTenant: index.GroupTenant,
		indexes:  groupIndexes,
		res:      schema.GroupResource,
		hidden:   func(*v1alpha1.ScimGroup) bool { return false },
		lister:   func(s *Server) *tenantLister { return s.groups },
		created:  EventGroupCreated,
		deleted:  EventGroupDeleted,
		updated:  func(_, _ *v1alpha1.ScimGroup) string { return EventGroupUpdated },
	}
)

func (k kind[O]) notFound(id string) error {
	return errorf(http.StatusNotFound, "", "no %s with id %q in this tenant", k.noun, id)
}

// find gets an identity of the tenant by id, as SCIM sees it: hidden
// identities are not found.
func find[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, id string, live bool) (O, error) {
	obj, err := fetch(ctx, s, k, t, id, live)
	if err == nil && k.hidden(obj) {
		var zero O
		return zero, k.notFound(id)
	}
	return obj, err
}

// fetch gets an identity of the tenant by id, hidden or not. The cache
// answers first; on a miss the API server does, so an identity another
// replica just created is never a false 404. live skips the cache.
func fetch[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, id string, live bool) (O, error) {
	key := types.NamespacedName{Namespace: t.tenant.Namespace, Name: id}
	obj := k.newObj()
	var zero O
	var err error
	if live {
		err = s.apiReader.Get(ctx, key, obj)
	} else if err = s.client.Get(ctx, key, obj); apierrors.IsNotFound(err) {
		err = s.apiReader.Get(ctx, key, obj)
	}
	switch {
	case apierrors.IsNotFound(err):
		return zero, k.notFound(id)
	case err != nil:
		return zero, fromAPI(err, "get "+k.noun)
	case k.tenant(obj) != t.tenant.Name || !obj.GetDeletionTimestamp().IsZero():
		return zero, k.notFound(id)
	}
	return obj, nil
}

// existsIn is the holderExists of claims on identities of kind k.
func existsIn[O client.Object](s *Server, k kind[O]) holderExists {
	return func(ctx context.Context, key types.NamespacedName) (bool, error) {
		err := s.apiReader.Get(ctx, key, k.newObj())
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, fromAPI(err, "get "+k.noun)
	}
}

// create writes a new identity after claiming its unique values.
func create[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, obj O) error {
	touch(obj)
	claims, err := s.acquire(ctx, t.tenant, obj.GetName(), k.claims(obj), existsIn(s, k))
	if err != nil {
		return err
	}
	if err := s.client.Create(ctx, obj); err != nil {
		s.release(ctx, t.tenant, obj.GetName(), claims)
		return fromAPI(err, "create "+k.noun)
	}
	s.awaitCache(ctx, obj, false)
	s.record(t, obj, k.created, "created by the identity provider")
	return nil
}

// update changes an identity with optimistic concurrency: change edits
// next, a copy of the current object, and runs again on a fresh read when
// another writer got in between. version is the current ETag, which
// If-Match is checked against. The claims of new unique values are taken
// before the write and those of old ones released after it. With hidden,
// identities SCIM does not see may be changed (to restore or adopt them).
func update[O client.Object](r *http.Request, s *Server, k kind[O], t *tenantRequest, id string, hidden bool, version func(O) (string, error), change func(cur, next O) error) (O, error) {
	ctx := r.Context()
	var zero O
	get := find[O]
	if hidden {
		get = fetch[O]
	}
	for attempt := 1; ; attempt++ {
		cur, err := get(ctx, s, k, t, id, attempt > 1)
		if err != nil {
			return zero, err
		}
		v, err := version(cur)
		if err != nil {
			return zero, err
		}
		if err := checkIfMatch(r, v); err != nil {
			return zero, err
		}
		next := cur.DeepCopyObject().(O)
		if err := change(cur, next); err != nil {
			return zero, err
		}
		if equality.Semantic.DeepEqual(cur, next) {
			return cur, nil
		}
		oldClaims, newClaims := k.claims(cur), k.claims(next)
		wanted := newClaims.minus(oldClaims)
		if hidden {
			// A user created by hand holds no claims yet.
			wanted = newClaims
		}
		added, err := s.acquire(ctx, t.tenant, id, wanted, existsIn(s, k))
		if err != nil {
			return zero, err
		}
		touch(next)
		err = s.client.Update(ctx, next)
		if err != nil {
			s.release(ctx, t.tenant, id, added)
		}
		switch {
		case apierrors.IsConflict(err) && attempt < maxUpdateAttempts:
			continue
		case apierrors.IsConflict(err):
			return zero, &Error{Status: http.StatusServiceUnavailable, RetryAfter: 1,
				Detail: "the " + k.noun + " is being changed by many requests at once; nothing was changed, retry"}
		case apierrors.IsNotFound(err):
			return zero, k.notFound(id)
		case err != nil:
			return zero, fromAPI(err, "update "+k.noun)
		}
		s.release(ctx, t.tenant, id, oldClaims.minus(newClaims))
		s.awaitCache(ctx, next, false)
		s.record(t, next, k.updated(cur, next), "updated by the identity provider")
		return next, nil
	}
}

// remove deletes an identity that passed If-Match, then releases its
// claims.
func remove[O client.Object](r *http.Request, s *Server, k kind[O], t *tenantRequest, obj O) error {
	ctx := r.Context()
	uid := obj.GetUID()
	err := s.client.Delete(ctx, obj, client.Preconditions{UID: &uid})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return k.notFound(obj.GetName())
	}
	if err != nil {
		return fromAPI(err, "delete "+k.noun)
	}
	s.release(ctx, t.tenant, obj.GetName(), k.claims(obj))
	s.awaitCache(ctx, obj, true)
	s.record(t, obj, k.deleted, "deleted by the identity provider")
	return nil
}

func pointers[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// candidates narrows a filter to the identities that may match it: an
// index lookup when the filter pins an indexed attribute with "eq", else
// every identity of the tenant. Callers still evaluate the whole filter.
func candidates[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, f filter.Expr) ([]O, error) {
	lookup, ok := indexedEquality(f, k.res, k.indexes)
	if !ok {
		return listTenant(ctx, s, k, t)
	}
	if lookup.index == "" {
		obj, err := find(ctx, s, k, t, lookup.value, false)
		if err != nil {
			return nil, ignoreNotFound(err)
		}
		return []O{obj}, nil
	}
	found, err := listBy(ctx, s, k, t, client.MatchingFields{lookup.index: index.Key(t.tenant.Name, lookup.key())}, false)
	if err != nil || len(found) > 0 || lookup.claim == "" {
		return found, err
	}
	// An identity another replica just wrote may not be cached yet; its
	// claim in the API server says it exists.
	holder, err := s.claimHolder(ctx, t.tenant, claim{kind: lookup.claim, value: lookup.value})
	if err != nil || holder == "" {
		return nil, err
	}
	obj, err := find(ctx, s, k, t, holder, true)
	if err != nil {
		return nil, ignoreNotFound(err)
	}
	return []O{obj}, nil
}

// listTenant lists all of the tenant's identities SCIM sees.
func listTenant[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest) ([]O, error) {
	l := k.lister(s)
	if l == nil {
		return listBy(ctx, s, k, t, client.MatchingFields{k.byTenant: t.tenant.Name}, false)
	}
	objs, err := l.list(t.tenant.Namespace, t.tenant.Name)
	if err != nil {
		return nil, fromAPI(err, "list "+k.noun+"s")
	}
	out := make([]O, 0, len(objs))
	for _, o := range objs {
		if obj, ok := o.(O); ok && obj.GetDeletionTimestamp().IsZero() && !k.hidden(obj) {
			out = append(out, obj)
		}
	}
	return out, nil
}

// listBy lists the tenant's identities from the cache by an index, the
// hidden ones too if asked.
func listBy[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, fields client.MatchingFields, hidden bool) ([]O, error) {
	list := k.newList()
	// The cache's objects are only read here, never changed, so copying
	// each of up to 100,000 users would be waste.
	if err := s.client.List(ctx, list, client.InNamespace(t.tenant.Namespace), fields, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fromAPI(err, "list "+k.noun+"s")
	}
	items := k.items(list)
	out := items[:0]
	for _, obj := range items {
		if k.tenant(obj) == t.tenant.Name && obj.GetDeletionTimestamp().IsZero() && (hidden || !k.hidden(obj)) {
			out = append(out, obj)
		}
	}
	return out, nil
}

// record emits an Event on an identity and logs the action. Neither
// carries attribute values: events and logs are not the place for
// personal data.
func (s *Server) record(t *tenantRequest, obj client.Object, reason, note string) {
	t.log.Info(note, "reason", reason, "id", obj.GetName())
	if s.recorder != nil {
		s.recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, "Provision", "%s (request %s)", note, t.requestID)
	}
}

// touch records the time of a change the identity provider made.
func touch(obj client.Object) {
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[v1alpha1.AnnotationLastModified] = time.Now().UTC().Format(time.RFC3339)
	obj.SetAnnotations(ann)
}
