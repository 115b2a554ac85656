// Package index defines the field indexes of the manager's cache, shared by
// the reconcilers and the SCIM server: every lookup either makes by a
// field is an index lookup, never a scan.
package index

import (
	"context"
	"fmt"
	"slices"

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
	// value (an id or an email address), to find a manager's reports.
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
			return optional(u.Spec.TenantRef.Name, v1alpha1.Fold(u.Spec.Enterprise.Manager.Value))
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

// Register adds every index to the indexer, once per manager.
func Register(ctx context.Context, indexer client.FieldIndexer) error {
	for _, d := range definitions() {
		if err := indexer.IndexField(ctx, d.obj, d.name, d.extract); err != nil {
			return fmt.Errorf("index %s: %w", d.name, err)
		}
	}
	return nil
}

// Each calls fn with every index, for unit tests whose fake client must
// answer the same lookups.
func Each(fn func(obj client.Object, field string, extract client.IndexerFunc)) {
	for _, d := range definitions() {
		fn(d.obj, d.name, d.extract)
	}
}
