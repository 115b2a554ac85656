// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"math"
	"net/http"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/mapping"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
)

// kind is what the HTTP layer knows about one identity kind (users or
// groups) beyond its storage: its SCIM schema, the attributes whose "eq"
// filters indexes answer, and the Events of its writes.
type kind[O client.Object] struct {
	ids     func(*store.Store) store.Identities[O]
	res     func(*tenantRequest) *schema.Resource
	indexes []indexedAttr
	// fields reads attribute values from a typed identity, for filters no
	// index answers; nil when they are evaluated on rendered identities.
	fields filter.Fields[O]
	// created, updated and deleted are the Event reasons of writes;
	// updated may look at what changed.
	created, deleted string
	updated          func(cur, next O) string
	// plural names the kind in messages.
	plural string
	// audit is a record about an identity, with its identifiers; spec is
	// what an update's changed attributes are read from.
	audit func(O) audit.Record
	spec  func(O) any
}

// auditActions are the audit trail's names of the Event reasons.
var auditActions = map[string]audit.Action{
	EventUserCreated: audit.Created, EventUserUpdated: audit.Updated, EventUserDeactivated: audit.Deactivated,
	EventUserReactivated: audit.Reactivated, EventUserDeleted: audit.Deleted, EventUserRestored: audit.Restored,
	EventUserAdopted: audit.Adopted, EventGroupCreated: audit.Created, EventGroupUpdated: audit.Updated,
	EventGroupDeleted: audit.Deleted, EventGroupAdopted: audit.Adopted,
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
	EventGroupAdopted    = "GroupAdopted"
	// EventGroupMembersSkipped warns that a write named members that are
	// not users of the tenant; everything else it asked was done.
	EventGroupMembersSkipped = "MembersSkipped"
	// EventAdoptionAmbiguous warns that a created user matched more than
	// one user created by hand, and so adopted none of them.
	EventAdoptionAmbiguous = "AdoptionAmbiguous"
)

var (
	userKind = kind[*v1alpha1.ScimUser]{
		ids:     func(s *store.Store) store.Identities[*v1alpha1.ScimUser] { return s.Users },
		res:     usersOf,
		indexes: userIndexes,
		fields:  mapping.UserField,
		created: EventUserCreated,
		deleted: EventUserDeleted,
		plural:  "users",
		audit:   func(u *v1alpha1.ScimUser) audit.Record { return audit.User(u, "", audit.IdentityProvider) },
		spec:    func(u *v1alpha1.ScimUser) any { return u.Spec },
		updated: func(cur, next *v1alpha1.ScimUser) string {
			switch was, is := cur.IsActive(), next.IsActive(); {
			case !cur.DeletedOverSCIM() && next.DeletedOverSCIM():
				return EventUserDeleted
			case cur.DeletedOverSCIM() && !next.DeletedOverSCIM():
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
		ids:     func(s *store.Store) store.Identities[*v1alpha1.ScimGroup] { return s.Groups },
		res:     groupsOf,
		indexes: groupIndexes,
		created: EventGroupCreated,
		deleted: EventGroupDeleted,
		plural:  "groups",
		audit:   func(g *v1alpha1.ScimGroup) audit.Record { return audit.Group(g, "", audit.IdentityProvider) },
		spec:    func(g *v1alpha1.ScimGroup) any { return g.Spec },
		updated: func(cur, next *v1alpha1.ScimGroup) string {
			if cur.Spec.ManagedBy != next.Spec.ManagedBy {
				return EventGroupAdopted
			}
			return EventGroupUpdated
		},
	}
)

// find gets an identity of the tenant by id, as SCIM sees it.
func find[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, id string) (O, error) {
	return k.ids(s.store).Get(ctx, t.tenant, id, store.Lookup{})
}

// indexedNames lists the attributes whose "eq" an index answers, for
// messages.
func (k kind[O]) indexedNames() string {
	names := make([]string, len(k.indexes))
	for i, a := range k.indexes {
		names[i] = a.attr
		if a.sub != "" {
			names[i] += "." + a.sub
		}
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// checkRoom refuses a create that would take the tenant past max, a bound
// of its spec.limits (nil: none), before anything is written. It counts
// the identities this replica sees: creates racing on several replicas
// may pass it by a few.
func checkRoom[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, limit *int32, field string) error {
	if limit == nil {
		return nil
	}
	_, total, err := k.ids(s.store).Page(ctx, t.tenant, func(int) (int, int) { return 0, 0 })
	if err != nil {
		return err
	}
	if total >= int(*limit) {
		return errorf(http.StatusForbidden, "", "tenant %s/%s holds %d %s, the most its spec.limits.%s allows: nothing was created; raise the limit, or delete some first",
			t.tenant.Namespace, t.tenant.Name, total, k.plural, field)
	}
	return nil
}

// create writes a new identity and records it.
func create[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, obj O) error {
	v1alpha1.MarkProvisioned(obj, k.created, t.requestID)
	if err := k.ids(s.store).Create(ctx, t.tenant, obj); err != nil {
		return err
	}
	s.record(t, obj, k.created, "created by the identity provider")
	s.audit(t, k.audit(obj), k.created)
	return nil
}

// update changes an identity as u says, honouring the request's If-Match,
// and records the change.
func update[O client.Object](r *http.Request, s *Server, k kind[O], t *tenantRequest, id string, u store.Update[O]) (O, error) {
	u.IfMatch = r.Header.Get(headerIfMatch)
	// The action is recorded with the change it names, in the same write.
	u.Record = func(cur, next O) { v1alpha1.MarkProvisioned(next, k.updated(cur, next), t.requestID) }
	done, err := k.ids(s.store).Update(r.Context(), t.tenant, id, u)
	if err != nil || !done.Changed {
		return done.After, err
	}
	reason := k.updated(done.Before, done.After)
	s.record(t, done.After, reason, "updated by the identity provider")
	rec := k.audit(done.After)
	rec.Changed = audit.Changed(k.spec(done.Before), k.spec(done.After))
	s.audit(t, rec, reason)
	return done.After, nil
}

// remove deletes an identity and records it.
func remove[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, obj O) error {
	if err := k.ids(s.store).Delete(ctx, t.tenant, obj); err != nil {
		return err
	}
	s.record(t, obj, k.deleted, "deleted by the identity provider")
	s.audit(t, k.audit(obj), k.deleted)
	return nil
}

// scan evaluates a filter no index answers on every identity of the
// tenant, and returns the page of what it matched that q asks for and how
// many matched in all. ok is false when the kind's fields cannot evaluate
// it: then candidates and the kind's matcher do.
func scan[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, q *query) (page []O, total int, ok bool, err error) {
	if k.fields == nil {
		return nil, 0, false, nil
	}
	// The page's bounds before the total is known: they only shrink to it.
	from, to := q.page(math.MaxInt, s.opts.MaxResults)
	return k.ids(s.store).Match(ctx, t.tenant, q.filter, k.res(t), k.fields, from, to)
}

// candidates narrows a filter to the identities that may match it, in
// list order: the index lookup that pins an indexed attribute with "eq"
// (indexed, as indexedEquality found it), else every identity of the
// tenant. Callers still evaluate the whole filter.
func candidates[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, lookup indexLookup, indexed bool) ([]O, error) {
	ids := k.ids(s.store)
	if !indexed {
		return ids.List(ctx, t.tenant)
	}
	if lookup.index == "" {
		obj, err := find(ctx, s, k, t, lookup.value)
		if err != nil {
			return nil, store.IgnoreNotFound(err)
		}
		return []O{obj}, nil
	}
	found, err := ids.ByIndex(ctx, t.tenant, lookup.index, index.Key(t.tenant.Name, lookup.key()), store.Lookup{})
	store.SortByCreation(found)
	if err != nil || len(found) > 0 || lookup.claim == "" || !t.tenant.Claims(lookup.claim) {
		return found, err
	}
	// An identity another replica just wrote may not be cached yet; its
	// claim in the API server says it exists.
	holder, err := s.store.ClaimHolder(ctx, t.tenant, lookup.claim, lookup.value)
	if err != nil || holder == "" {
		return nil, err
	}
	obj, err := ids.Get(ctx, t.tenant, holder, store.Lookup{Live: true})
	if err != nil {
		return nil, store.IgnoreNotFound(err)
	}
	return []O{obj}, nil
}

// audit writes a change an identity provider asked for, named by the
// Event reason it was recorded with, to the audit trail.
func (s *Server) audit(t *tenantRequest, rec audit.Record, reason string) {
	rec.Action = auditActions[reason]
	s.writeAudit(t, rec)
}

// writeAudit writes rec with what the request says of who sent it.
func (s *Server) writeAudit(t *tenantRequest, rec audit.Record) {
	rec.Actor = audit.IdentityProvider
	rec.Method, rec.Path, rec.RequestID, rec.UserAgent = t.method, t.path, t.requestID, t.userAgent
	s.opts.Audit.Record(t.log, rec)
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
