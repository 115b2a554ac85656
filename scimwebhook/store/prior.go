// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
)

// Prior is what a create brings back instead of making a new user.
type Prior struct {
	// User is the user to restore or adopt, nil for none.
	User *v1alpha1.ScimUser
	// Ambiguous, when set, are the users created by hand that the create
	// matched by AmbiguousBy, more than one: none of them is adopted,
	// rather than an arbitrary one.
	Ambiguous   []string
	AmbiguousBy v1alpha1.AdoptionMatch
}

// PriorUser finds the user a create should bring back instead of making a
// new one: one deleted over SCIM and still retained that shares with spec
// what the tenant restores by (its externalId, the identity provider's
// immutable key, by default), or the one created by hand that shares what
// the tenant adopts by (its userName, by default), which SCIM then
// adopts. A user created by hand that opts out of adoption is a Conflict
// naming it.
func (s *Store) PriorUser(ctx context.Context, tenant *v1alpha1.ScimTenant, spec *v1alpha1.ScimUserSpec) (Prior, error) {
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
			return Prior{}, err
		}
		var last *v1alpha1.ScimUser
		for _, u := range found {
			if u.DeletedOverSCIM() && u.Spec.ManagedBy == v1alpha1.ManagedBySCIM &&
				(last == nil || last.SCIMDeletedAt().Before(u.SCIMDeletedAt())) {
				last = u
			}
		}
		if last != nil {
			return Prior{User: last}, nil
		}
	}
	// A user created by hand with the same userName or email is adopted,
	// as far as the tenant allows and the user does not opt out.
	var prior Prior
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
			return Prior{}, err
		}
		var manual []*v1alpha1.ScimUser
		for _, u := range found {
			if u.Spec.ManagedBy == v1alpha1.ManagedByManual && !u.DeletedOverSCIM() &&
				(key.by != v1alpha1.AdoptByEmail || v1alpha1.Fold(u.Spec.EmailOfRecord()) == v1alpha1.Fold(key.value)) {
				manual = append(manual, u)
			}
		}
		switch {
		case len(manual) > 1:
			if prior.Ambiguous == nil {
				prior.AmbiguousBy = key.by
				for _, u := range manual {
					prior.Ambiguous = append(prior.Ambiguous, u.Name)
				}
				slices.Sort(prior.Ambiguous)
			}
		case len(manual) == 1 && manual[0].NeverAdopt():
			return Prior{}, neverAdopted(string(key.by), key.value, "user", manual[0].Name)
		case len(manual) == 1:
			return Prior{User: manual[0]}, nil
		}
	}
	return prior, nil
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
