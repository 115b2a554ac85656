// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// maxLiveMemberChecks bounds the API-server reads one request makes to
// tell a user this replica's cache has not seen yet from an id that names
// no one: a batch of 55,000 stale ids costs this many reads, not 55,000.
const maxLiveMemberChecks = 10

// UnknownUsers is the ids, of those given, that name no user of tenant
// SCIM sees: ids that never existed, purged or deleted users, users
// created by hand, another tenant's users, groups. ids are looked up in
// the cache in one pass. When the cache lacks some, a few of those are
// asked of the API server: if none exists there, the cache is not behind
// and they all name no one; if some do, the cache is behind, and once it
// holds those it decides the rest. A cache that stays behind is
// Unavailable, which a retry can get past.
func (s *Store) UnknownUsers(ctx context.Context, tenant *v1alpha1.ScimTenant, ids []string) ([]string, error) {
	unknown, missing := s.classifyCached(ctx, tenant, ids)
	if len(missing) == 0 {
		return unknown, nil
	}
	var exist []string
	for _, id := range missing[:min(len(missing), maxLiveMemberChecks)] {
		_, err := s.Users.Get(ctx, tenant, id, Lookup{Live: true})
		switch {
		case err == nil:
			exist = append(exist, id)
		case !IsNotFound(err):
			return nil, err
		}
	}
	if len(exist) == 0 {
		return append(unknown, missing...), nil
	}
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, cacheWaitTimeout, true, func(ctx context.Context) (bool, error) {
		_, stillMissing := s.classifyCached(ctx, tenant, exist)
		return len(stillMissing) == 0, nil
	})
	if err != nil {
		return nil, &Error{Reason: Unavailable, RetryAfter: time.Second,
			Detail: "this replica has not caught up with users created a moment ago; nothing was changed, retry"}
	}
	gone, stillMissing := s.classifyCached(ctx, tenant, missing)
	return slices.Concat(unknown, gone, stillMissing), nil
}

// classifyCached sorts ids by what the cache says of them: unknown names
// no user SCIM sees, missing the cache does not have.
func (s *Store) classifyCached(ctx context.Context, tenant *v1alpha1.ScimTenant, ids []string) (unknown, missing []string) {
	for _, id := range ids {
		if len(validation.IsDNS1123Subdomain(id)) > 0 {
			unknown = append(unknown, id)
			continue
		}
		u, ok := s.Users.Cached(ctx, tenant.Namespace, id)
		switch {
		case !ok:
			missing = append(missing, id)
		case u.Spec.TenantRef.Name != tenant.Name || u.HiddenFromSCIM():
			unknown = append(unknown, id)
		}
	}
	return unknown, missing
}
