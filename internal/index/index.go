// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package index defines the field indexes of the manager's cache, shared by
// the reconcilers and the SCIM server: every lookup either makes by a
// field is an index lookup, never a scan.
package index

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// Index names. Identity indexes are keyed by Key(tenant, value), since
// several tenants may share a namespace.
const (
	// TenantTokenSecret indexes ScimTenants by their token Secret's name.
	TenantTokenSecret = "spec.tokenSecretRef.name"
	// UserTenant indexes ScimUsers by tenant name.
	UserTenant = "user.tenant"
	// UserName indexes ScimUsers by tenant and lower-cased userName.
	UserName = "user.userName"
	// UserExternalID indexes ScimUsers by tenant and externalId.
	UserExternalID = "user.externalId"
	// UserEmail indexes ScimUsers by tenant and each lower-cased email.
	UserEmail = "user.emails.value"
	// UserManager indexes ScimUsers by tenant and lower-cased manager
	// value (an id, a userName or an email address), and by the id it
	// resolved to, to find a manager's reports.
	UserManager = "user.manager"
	// GroupTenant indexes ScimGroups by tenant name.
	GroupTenant = "group.tenant"
	// GroupDisplayName indexes ScimGroups by tenant and lower-cased
	// displayName.
	GroupDisplayName = "group.displayName"
	// GroupExternalID indexes ScimGroups by tenant and externalId.
	GroupExternalID = "group.externalId"
	// UserLeftGroup indexes deleted ScimUsers by each group their status
	// says they left, and by AnyGroup when that record is full, so that
	// the group controller finds the members it must take out.
	UserLeftGroup = "user.leftGroups"
	// SliceGroup indexes ScimGroupMemberSlices by group name.
	SliceGroup = "slice.group"
	// SliceMember indexes ScimGroupMemberSlices by each member's id.
	SliceMember = "slice.members.value"
)

// AnyGroup is the UserLeftGroup key of deleted users whose record of the
// groups they left is full: they may have left any group.
const AnyGroup = "*"

// Key is the index key of value within tenant.
func Key(tenant, value string) string { return tenant + "/" + value }

type definition struct {
	obj     client.Object
	name    string
	extract client.IndexerFunc
}

func definitions() []definition {
	user := func(f func(u *v1alpha1.ScimUser) []string) client.IndexerFunc {
		return func(o client.Object) []string { return f(o.(*v1alpha1.ScimUser)) }
	}
	group := func(f func(g *v1alpha1.ScimGroup) []string) client.IndexerFunc {
		return func(o client.Object) []string { return f(o.(*v1alpha1.ScimGroup)) }
	}
	return []definition{
		{&v1alpha1.ScimTenant{}, TenantTokenSecret, func(o client.Object) []string {
			return []string{o.(*v1alpha1.ScimTenant).Spec.TokenSecretRef.Name}
		}},
		{&v1alpha1.ScimUser{}, UserTenant, user(func(u *v1alpha1.ScimUser) []string {
			return []string{u.Spec.TenantRef.Name}
		})},
		{&v1alpha1.ScimUser{}, UserName, user(func(u *v1alpha1.ScimUser) []string {
			return []string{Key(u.Spec.TenantRef.Name, v1alpha1.Fold(u.Spec.UserName))}
		})},
		{&v1alpha1.ScimUser{}, UserLeftGroup, user(func(u *v1alpha1.ScimUser) []string {
			if u.IsLive() {
				return nil
			}
			left := slices.Clone(u.Status.RemovedFromGroups)
			if len(left) >= v1alpha1.MaxRemovedFromGroups {
				left = append(left, AnyGroup)
			}
			return left
		})},
		{&v1alpha1.ScimUser{}, UserExternalID, user(func(u *v1alpha1.ScimUser) []string {
			return optional(u.Spec.TenantRef.Name, u.Spec.ExternalID)
		})},
		{&v1alpha1.ScimUser{}, UserEmail, user(func(u *v1alpha1.ScimUser) []string {
			keys := make([]string, 0, len(u.Spec.Emails))
			for _, e := range u.Spec.Emails {
				if e.Value != "" {
					keys = append(keys, Key(u.Spec.TenantRef.Name, v1alpha1.Fold(e.Value)))
				}
			}
			return keys
		})},
		{&v1alpha1.ScimUser{}, UserManager, user(func(u *v1alpha1.ScimUser) []string {
			if u.Spec.Enterprise == nil || u.Spec.Enterprise.Manager == nil {
				return nil
			}
			keys := optional(u.Spec.TenantRef.Name, v1alpha1.Fold(u.Spec.Enterprise.Manager.Value))
			if m := u.Status.Manager; m != "" && !slices.Contains(keys, Key(u.Spec.TenantRef.Name, m)) {
				keys = append(keys, Key(u.Spec.TenantRef.Name, m))
			}
			return keys
		})},
		{&v1alpha1.ScimGroup{}, GroupTenant, group(func(g *v1alpha1.ScimGroup) []string {
			return []string{g.Spec.TenantRef.Name}
		})},
		{&v1alpha1.ScimGroup{}, GroupDisplayName, group(func(g *v1alpha1.ScimGroup) []string {
			return []string{Key(g.Spec.TenantRef.Name, v1alpha1.Fold(g.Spec.DisplayName))}
		})},
		{&v1alpha1.ScimGroup{}, GroupExternalID, group(func(g *v1alpha1.ScimGroup) []string {
			return optional(g.Spec.TenantRef.Name, g.Spec.ExternalID)
		})},
		{&v1alpha1.ScimGroupMemberSlice{}, SliceGroup, func(o client.Object) []string {
			return []string{o.(*v1alpha1.ScimGroupMemberSlice).Spec.GroupRef.Name}
		}},
		{&v1alpha1.ScimGroupMemberSlice{}, SliceMember, func(o client.Object) []string {
			s := o.(*v1alpha1.ScimGroupMemberSlice)
			keys := make([]string, 0, len(s.Spec.Members))
			for _, m := range s.Spec.Members {
				keys = append(keys, m.Value)
			}
			return keys
		}},
	}
}

func optional(tenant, value string) []string {
	if value == "" {
		return nil
	}
	return []string{Key(tenant, value)}
}

// Register adds every index to the cache's informers, once per manager.
//
// It does what controller-runtime's IndexField does but for one thing:
// IndexField stores every key twice, the second copy so that a lookup can
// span namespaces. Every lookup here names its namespace, and with
// 100,000 users the second copies were a quarter of the manager's heap
// (a map per userName, email and externalId). The indexes keep the names
// and keys controller-runtime's cache reader asks for (fieldIndexName,
// namespacedKey), so lookups are still client.MatchingFields with
// client.InNamespace; one without a namespace finds nothing.
func Register(ctx context.Context, informers cache.Informers) error {
	for _, d := range definitions() {
		inf, err := informers.GetInformer(ctx, d.obj)
		if err != nil {
			return fmt.Errorf("index %s: get informer: %w", d.name, err)
		}
		if err := inf.AddIndexers(d.indexers()); err != nil {
			return fmt.Errorf("index %s: %w", d.name, err)
		}
	}
	return nil
}

// Indexers is every index of obj's kind, as Register adds them to its
// informer: for a store that tests fill by hand.
func Indexers(obj client.Object) toolscache.Indexers {
	all := toolscache.Indexers{}
	for _, d := range definitions() {
		if reflect.TypeOf(d.obj) == reflect.TypeOf(obj) {
			maps.Copy(all, d.indexers())
		}
	}
	return all
}

func (d definition) indexers() toolscache.Indexers {
	return toolscache.Indexers{fieldIndexName(d.name): func(o any) ([]string, error) {
		obj, ok := o.(client.Object)
		if !ok {
			return nil, fmt.Errorf("index %T: not an object", o)
		}
		values := d.extract(obj)
		keys := make([]string, len(values))
		for i, v := range values {
			keys[i] = namespacedKey(obj.GetNamespace(), v)
		}
		return keys, nil
	}}
}

// Visit calls fn with each object of obj's type whose index name holds
// value in namespace, as cached and not copied: fn must not modify it.
// Listing into a typed list copies every object, about 100 MB for a
// tenant of 100,000 users, which counting or paging them does not need.
func Visit[O client.Object](ctx context.Context, informers cache.Informers, obj O, name, namespace, value string, fn func(O)) error {
	inf, err := informers.GetInformer(ctx, obj)
	if err != nil {
		return fmt.Errorf("get informer for %T: %w", obj, err)
	}
	store, ok := Store(inf)
	if !ok {
		return fmt.Errorf("the informer for %T does not expose its store", obj)
	}
	objs, err := Cached(store, name, namespace, value)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if typed, ok := o.(O); ok {
			fn(typed)
		}
	}
	return nil
}

// Store is an informer's store, when it exposes it (controller-runtime's
// informers do).
func Store(inf cache.Informer) (toolscache.Indexer, bool) {
	withStore, ok := inf.(interface{ GetIndexer() toolscache.Indexer })
	if !ok {
		return nil, false
	}
	return withStore.GetIndexer(), true
}

// Cached is the objects in an informer's store whose index name holds
// value in namespace, as cached: callers must not modify them.
func Cached(store toolscache.Indexer, name, namespace, value string) ([]any, error) {
	objs, err := store.ByIndex(fieldIndexName(name), namespacedKey(namespace, value))
	if err != nil {
		return nil, fmt.Errorf("look %s %q up in %s: %w", name, value, namespace, err)
	}
	return objs, nil
}

// fieldIndexName is the name of a field index in an informer, as
// controller-runtime's cache reader looks it up.
func fieldIndexName(field string) string { return "field:" + field }

// namespacedKey is the informer index key of a field index's value within
// a namespace, as controller-runtime's cache reader looks it up.
func namespacedKey(namespace, value string) string { return namespace + "/" + value }

// Each calls fn with every index, for unit tests whose fake client must
// answer the same lookups.
func Each(fn func(obj client.Object, field string, extract client.IndexerFunc)) {
	for _, d := range definitions() {
		fn(d.obj, d.name, d.extract)
	}
}
