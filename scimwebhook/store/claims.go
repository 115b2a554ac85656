// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/claims"
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
		return nil, &Error{Reason: Conflict, Value: conflict.Value.Value, Holder: conflict.Holder, Detail: conflict.Error()}
	}
	return taken, fromAPI(err, "claim unique values")
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
