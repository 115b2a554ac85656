// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
)

// PriorUser finds the user a create should bring back instead of making a
// new one: one deleted over SCIM and still retained that shares with spec
// what the tenant restores by (its externalId, the identity provider's
// immutable key, by default), or one created by hand that shares what the
// tenant adopts by (its userName, by default), which SCIM then adopts. A
// user created by hand that opts out of adoption is a Conflict naming it.
func (s *Store) PriorUser(ctx context.Context, tenant *v1alpha1.ScimTenant, spec *v1alpha1.ScimUserSpec) (*v1alpha1.ScimUser, error) {
	// A user deleted over SCIM and still retained is restored, as far as
	// the tenant allows: the one deleted last, where the same person was
	// deleted more than once.
	for _, key := range []struct {
		by           v1alpha1.RestoreMatch
		index, value string
	}{
		{v1alpha1.RestoreByExternalID, index.UserExternalID, spec.ExternalID},
		{v1alpha1.RestoreByUserName, index.UserName, v1alpha1.Fold(spec.UserName)},
	} {
		if key.value == "" || !tenant.RestoresBy(key.by) {
			continue
		}
		found, err := s.Users.ByIndex(ctx, tenant, key.index, index.Key(tenant.Name, key.value), Lookup{Hidden: true})
		if err != nil {
			return nil, err
		}
		var last *v1alpha1.ScimUser
		for _, u := range found {
			if u.DeletedOverSCIM() && u.Spec.ManagedBy == v1alpha1.ManagedBySCIM &&
				(last == nil || last.SCIMDeletedAt().Before(u.SCIMDeletedAt())) {
				last = u
			}
		}
		if last != nil {
			return last, nil
		}
	}
	// A user created by hand with the same userName or email is adopted,
	// as far as the tenant allows and the user does not opt out.
	for _, key := range []struct {
		by           v1alpha1.AdoptionMatch
		index, value string
	}{
		{v1alpha1.AdoptByUserName, index.UserName, spec.UserName},
		{v1alpha1.AdoptByEmail, index.UserEmail, spec.EmailOfRecord()},
	} {
		if key.value == "" || !tenant.AdoptsBy(key.by) {
			continue
		}
		found, err := s.Users.ByIndex(ctx, tenant, key.index, index.Key(tenant.Name, v1alpha1.Fold(key.value)), Lookup{Hidden: true})
		if err != nil {
			return nil, err
		}
		for _, u := range found {
			if u.Spec.ManagedBy != v1alpha1.ManagedByManual || u.DeletedOverSCIM() {
				continue
			}
			if u.NeverAdopt() {
				return nil, neverAdopted(string(key.by), key.value, "user", u.Name)
			}
			return u, nil
		}
	}
	return nil, nil
}

// ManualGroup is the group created by hand that a create with displayName
// adopts, if any: SCIM neither lists, renames nor deletes groups created
// by hand until it adopts them. One annotated never-adopt is a Conflict
// that says so.
func (s *Store) ManualGroup(ctx context.Context, tenant *v1alpha1.ScimTenant, displayName string) (*v1alpha1.ScimGroup, error) {
	found, err := s.Groups.ByIndex(ctx, tenant, index.GroupDisplayName, index.Key(tenant.Name, v1alpha1.Fold(displayName)), Lookup{Hidden: true})
	if err != nil {
		return nil, err
	}
	for _, g := range found {
		if g.Spec.ManagedBy != v1alpha1.ManagedByManual {
			continue
		}
		if g.Annotations[v1alpha1.AnnotationNeverAdopt] == "true" {
			return nil, neverAdopted("displayName", displayName, "group", g.Name)
		}
		return g, nil
	}
	return nil, nil
}

// neverAdopted is the Conflict of a create whose attribute value belongs
// to an identity created by hand that opts out of adoption.
func neverAdopted(attribute, value, noun, holder string) *Error {
	return &Error{Reason: Conflict, Value: value, Holder: holder, Detail: fmt.Sprintf(
		"%s %q belongs to %s %s, created by hand and annotated %s=true so that SCIM never takes it over; rename one of them, or remove the annotation to let SCIM adopt it",
		attribute, value, noun, holder, v1alpha1.AnnotationNeverAdopt)}
}
