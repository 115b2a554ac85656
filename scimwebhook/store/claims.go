// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/claims"
	"github.com/scim-operator/scim-operator/internal/index"
)

// releaseTimeout bounds the release of claims. It does not run on the
// request's context: a client that disconnects must not leave claims
// behind that block their values.
const releaseTimeout = 10 * time.Second

// acquire claims every value for holder, or none, as claims.Acquire does,
// with its errors as the store's.
func (s *Store) acquire(ctx context.Context, tenant *v1alpha1.ScimTenant, holder string, vs v1alpha1.UniqueValues, holds claims.Holds) (v1alpha1.UniqueValues, error) {
	taken, err := s.claims.Acquire(ctx, tenant.Namespace, tenant.Name, holder, vs, holds)
	var conflict *claims.Conflict
	if errors.As(err, &conflict) {
		return nil, &Error{Reason: Conflict, Value: conflict.Value.Value, Holder: conflict.Holder, Detail: s.conflictDetail(ctx, tenant, conflict)}
	}
	if err != nil {
		return nil, fromAPI(err, "claim unique values")
	}
	for _, v := range vs {
		if v.Kind != v1alpha1.ClaimEmail {
			continue
		}
		if other, err := s.unclaimedEmailHolder(ctx, tenant, holder, v.Value); err != nil || other != "" {
			s.release(tenant, holder, taken)
			if err != nil {
				return nil, err
			}
			conflict := &claims.Conflict{Value: v, Holder: other}
			return nil, &Error{Reason: Conflict, Value: v.Value, Holder: other, Detail: s.conflictDetail(ctx, tenant, conflict)}
		}
	}
	return taken, nil
}

// unclaimedEmailHolder is another live user of the tenant whose email of
// record is email, "" if none. Users stored before the tenant kept emails
// unique hold no claim on theirs, yet a new user must not take it.
func (s *Store) unclaimedEmailHolder(ctx context.Context, tenant *v1alpha1.ScimTenant, holder, email string) (string, error) {
	found, err := s.Users.ByIndex(ctx, tenant, index.UserEmail, index.Key(tenant.Name, v1alpha1.Fold(email)), Lookup{})
	if err != nil {
		return "", err
	}
	for _, u := range found {
		if u.Name != holder && v1alpha1.Fold(u.Spec.EmailOfRecord()) == v1alpha1.Fold(email) {
			return u.Name, nil
		}
	}
	return "", nil
}

// conflictDetail says who holds a value, in what state, and how to free
// it: an identity provider's admin reads it in the provisioning log.
func (s *Store) conflictDetail(ctx context.Context, tenant *v1alpha1.ScimTenant, c *claims.Conflict) string {
	if c.Value.Kind == v1alpha1.ClaimGroupDisplayName {
		return c.Error() + "; rename or delete that group to free it"
	}
	holder := "user " + c.Holder
	if u, ok := s.Users.Cached(ctx, tenant.Namespace, c.Holder); ok {
		phase := u.Status.Phase
		if phase == "" {
			phase = v1alpha1.UserPhaseActive
			if !u.IsActive() {
				phase = v1alpha1.UserPhaseInactive
			}
		}
		holder += ", " + strings.ToLower(string(phase)) + ","
	}
	if c.Value.Kind == v1alpha1.ClaimEmail {
		return fmt.Sprintf("email %q is the email of record of %s and tenant %s keeps emails of record unique (spec.emailUniqueness: EmailOfRecord); "+
			"to free it, change that user's emails or delete it (a deactivated user keeps its address), or set the tenant's spec.emailUniqueness to None to store shared addresses and report them",
			c.Value.Value, holder, tenant.Name)
	}
	return fmt.Sprintf("userName %q is in use by %s in this tenant; to free it, change that user's userName or delete it (a deactivated user keeps its userName)", c.Value.Value, holder)
}

// release gives up holder's claims. Failures are logged, not returned: a
// claim left behind is taken over once its holder no longer holds the
// value.
func (s *Store) release(tenant *v1alpha1.ScimTenant, holder string, vs v1alpha1.UniqueValues) {
	if len(vs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if err := s.claims.Release(ctx, tenant.Namespace, tenant.Name, holder, vs); err != nil {
		s.log.Error(err, "release claims", "holder", types.NamespacedName{Namespace: tenant.Namespace, Name: holder})
	}
}

// ClaimHolder is the id of the identity holding a unique value as the API
// server has it, "" if none: how a replica finds an identity another
// replica just wrote.
func (s *Store) ClaimHolder(ctx context.Context, tenant *v1alpha1.ScimTenant, kind v1alpha1.ClaimKind, value string) (string, error) {
	holder, err := s.claims.Holder(ctx, tenant.Namespace, tenant.Name, v1alpha1.UniqueValue{Kind: kind, Value: value})
	return holder, fromAPI(err, "get claim")
}
